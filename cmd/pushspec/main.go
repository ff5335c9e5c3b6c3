// Command pushspec is the Web Push conformance and interop harness.
//
//	pushspec serve    run the push service (web-push-testing compatible control API)
//	pushspec run      run the conformance suites and write the report
//	pushspec deps     install or check what a run needs
//	pushspec report   merge results.json files into one report
//
// Each subcommand lives in its own file and registers itself in init.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

var commands = map[string]command{}

func register(name, summary string, run func(ctx context.Context, args []string, stdout, stderr io.Writer) int) {
	commands[name] = command{summary: summary, run: run}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, `pushspec — end-to-end conformance and interop harness for Web Push
(RFC 8030, 8188, 8291, 8292, the Push API and the Notifications API), with real browsers, offline.

Usage: pushspec <command> [flags]   (pushspec <command> --help for its flags)

Commands:`)
	names := make([]string, 0, len(commands))
	for n, c := range commands {
		if c.summary != "" { // hidden: the suite process pushspec run starts
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nEvery flag can also be set with an environment variable PUSHSPEC_<FLAG> (see README.md).")
}

func main() {
	if len(os.Args) < 2 || os.Args[1] == "-h" || os.Args[1] == "--help" || os.Args[1] == "help" {
		usage(os.Stdout)
		if len(os.Args) < 2 {
			os.Exit(2)
		}
		return
	}
	cmd, ok := commands[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "pushspec: unknown command %q\n\n", os.Args[1])
		usage(os.Stderr)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cmd.run(ctx, os.Args[2:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
