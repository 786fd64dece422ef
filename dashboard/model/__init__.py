"""Business logic of the dashboard: plain data and rules, no Dash imports."""
