from kbsite.cli import run

run()
