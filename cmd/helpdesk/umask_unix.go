//go:build unix

package main

import "syscall"

// privateFiles makes every file the helpdesk creates (the database and its
// journal, backups, exports written to a file) readable by its owner only,
// whatever umask it was started with: they hold people's requests, names
// and votes.
func privateFiles() { syscall.Umask(0o077) }
