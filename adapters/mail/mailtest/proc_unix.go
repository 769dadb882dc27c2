//go:build unix

package mailtest

import (
	"os"
	"os/exec"
	"strconv"
	"syscall"
)

// sysProcAttr puts a server started with group in a process group of its
// own.
func sysProcAttr(group bool) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: group}
}

// killGroup kills p's process group, p with its children.
func killGroup(p *os.Process) error {
	return syscall.Kill(-p.Pid, syscall.SIGKILL)
}

// watch starts a watchdog that stops p's server when the test process
// ends, however it ends (a panic, a test timeout, SIGKILL), so that no
// server outlives its test: a shell that reads its standard input, a pipe
// whose writing end only the test process holds, and on end of file stops
// the server as p.stop would. The parent-death signal of Linux does not do
// for Postfix: its master changes its effective user for a moment while
// starting, which clears the signal. The returned function ends the
// watchdog, before the server is stopped the usual way.
func watch(p *proc) (func(), error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	target, signal := strconv.Itoa(p.cmd.Process.Pid), "TERM"
	if p.group {
		target, signal = "-"+target, "KILL"
	}
	cmd := exec.Command("/bin/sh", "-c", `read _; kill -s "$0" -- "$1"`, signal, target)
	cmd.Stdin = r
	if err := cmd.Start(); err != nil {
		w.Close()
		return nil, err
	}
	go cmd.Wait() // reap it whenever it ends
	return func() {
		_ = cmd.Process.Kill()
		w.Close()
	}, nil
}
