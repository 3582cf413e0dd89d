"""防止返贫监测: households at risk, taken into monitoring and released by procedure."""
