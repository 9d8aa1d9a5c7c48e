"""How the scripts end on bad input: a one-line error on stderr and exit status 2, as rnnsearch does."""
import sys


def fail(message):
    """Writes message (which names the script and what is wrong) and exits 2."""
    sys.stderr.write(message + "\n")
    sys.exit(2)
