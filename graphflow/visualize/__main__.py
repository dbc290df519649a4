"""python -m graphflow.visualize [--out DIR]: render the gallery of model and compiled-graph pictures
(also installed as the `graphflow-gallery` command)."""
import argparse
import sys

from graphflow.visualize.gallery import render_gallery


def main(argv=None, prog="python -m graphflow.visualize"):
    parser = argparse.ArgumentParser(prog=prog, description=__doc__)
    parser.add_argument("--out", default="out/gallery", help="output directory (out/gallery)")
    parser.add_argument("--no-png", action="store_true", help="write SVG only")
    args = parser.parse_args(argv)
    for path in render_gallery(args.out, png=not args.no_png):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
