from kpkclassify.cli import main

main()
