-- top: the channel's position. Reply: epoch, top offset.
local epoch, top = ensure_epoch()
return {epoch, top}
