from kbsite.cli import main

main()
