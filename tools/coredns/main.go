// Cluster DNS for the local node: CoreDNS with only the plugins the local control plane's
// Corefile uses. Importing core/dnsserver and a chosen set of plugins, and listing their
// order in dnsserver.Directives, is CoreDNS's documented way to build a smaller server
// than its default main, which links every plugin (cloud SDKs included).
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/ready"
)

// The plugin chain order, as in CoreDNS's own plugin.cfg: a request passes them top to bottom.
var directives = []string{
	"bind",
	"ready",
	"health",
	"errors",
	"log",
	"cache",
	"kubernetes",
}

func init() {
	dnsserver.Directives = directives
}

func main() {
	coremain.Run()
}
