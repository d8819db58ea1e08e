"""`python -m livegen` is the `livegen` command."""

from livegen.cli import main

raise SystemExit(main())
