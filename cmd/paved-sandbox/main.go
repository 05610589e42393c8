// Command paved-sandbox is paved-bot's sandbox launcher: installed beside paved-bot, it is the
// program paved-bot starts in front of every terraform process, with the sandbox described in
// PAVED_SANDBOX_SPEC, and it runs bubblewrap with that process inside (package sandbox, whose
// init does all of it). It holds nothing else, so that it starts in a few milliseconds, where
// paved-bot itself, the launcher when paved-sandbox is missing, takes several times that.
package main

import (
	"fmt"
	"os"

	_ "github.com/paved-road/paved/bot/sandbox"
)

func main() {
	// The sandbox's init has not returned: no spec in the environment.
	fmt.Fprintln(os.Stderr, "paved-sandbox is paved-bot's sandbox launcher: paved-bot runs it with the sandbox in PAVED_SANDBOX_SPEC; it does nothing on its own")
	os.Exit(2)
}
