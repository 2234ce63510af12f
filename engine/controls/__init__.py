"""Trading controls: the size of every signal (`sizing`), the pause switch (`pause`), the loss
limits that pause on their own (`limits`), and how they apply on the serving path (`serving`)
and from the desk (`switching`)."""
