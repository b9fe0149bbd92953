"""The portal's web pages: the shell, accounts, organizations and the inventory."""
