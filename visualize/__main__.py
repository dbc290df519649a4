"""python -m visualize: the same as python -m graphflow.visualize."""
import sys

from graphflow.visualize.__main__ import main

if __name__ == "__main__":
    sys.exit(main(prog="python -m visualize"))
