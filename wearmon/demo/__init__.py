"""The one-command pilot demo: embedded database, API, and a virtual cohort whose
wearables are simulated BLE peripherals read by the real gateway code."""
