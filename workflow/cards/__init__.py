"""明白卡 (the household's policy card): an A4 card per household with what it receives,
checkable against the system through a code and QR like every other paper."""
