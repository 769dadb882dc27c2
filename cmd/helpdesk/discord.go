package main

// discordSection is the [discord] section of the configuration. The Discord
// adapter is not written yet (issue 4): the section takes no keys, and no
// factory is registered.
type discordSection struct{}
