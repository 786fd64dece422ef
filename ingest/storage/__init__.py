"""SQL for each table family; functions take a connection, never open one themselves."""
