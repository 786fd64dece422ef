"""One module per ``wearmon`` subcommand: ``add_parser(subparsers)`` and ``run(args)``."""
