"""Virtual wearables: seeded physiology models and simulated BLE peripherals (Bumble)."""
