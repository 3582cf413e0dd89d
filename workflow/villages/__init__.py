"""Village exit (贫困村 / 低收入村退出): criteria profiles and computed indicators."""
