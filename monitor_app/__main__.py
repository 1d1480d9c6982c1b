import sys

from monitor_app.cli import main

sys.exit(main())
