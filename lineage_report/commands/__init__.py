"""The subcommands of the command line, a module each, imported one by one by `cli`.

Each module's `register(subparsers)` adds its parser(s) and sets `func` to its `cmd_*`
function, which turns the parsed arguments into plain values, calls the library and
prints the outcome. argparse stops here: the library never sees a namespace.
"""
