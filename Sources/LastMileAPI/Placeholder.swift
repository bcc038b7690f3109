enum _LastMileAPIPlaceholder {}
