"""Virtual BLE wearables (Bumble GATT servers) driven by physiology feeds."""
