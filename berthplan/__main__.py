from berthplan.cli import main

main()
