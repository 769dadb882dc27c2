package main

// mattermostSection is the [mattermost] section of the configuration. The
// Mattermost adapter is not written yet (issue 5): the section takes no
// keys, and no factory is registered.
type mattermostSection struct{}
