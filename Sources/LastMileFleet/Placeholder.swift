enum _LastMileFleetPlaceholder {}
