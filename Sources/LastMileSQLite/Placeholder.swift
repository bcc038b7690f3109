enum _LastMileSQLitePlaceholder {}
