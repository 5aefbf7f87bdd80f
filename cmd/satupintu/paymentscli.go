package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"text/tabwriter"
	"time"
)

// paymentsUsage is the command line of `satupintu payments`.
const paymentsUsage = "usage: satupintu payments [-url URL] list [-status OPEN|PAID|EXPIRED|CANCELLED] | reconcile | report [-day YYYY-MM-DD]"

// runPayments is `satupintu payments list|reconcile|report`, through the
// running server's admin endpoints (so it works for the memory store
// too), like `satupintu outbox`.
func runPayments(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("payments", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", "", "the running satupintu (default: http://<SATUPINTU_ADDR>, loopback for a wildcard host)")
	status := fs.String("status", "", "list: only bills of this status")
	day := fs.String("day", "", "report: the day (WIB), default yesterday")
	fs.Usage = func() {
		fmt.Fprintln(stderr, paymentsUsage)
		fmt.Fprintln(stderr, "The operator token is read from SATUPINTU_ADMIN_TOKEN.")
		fs.PrintDefaults()
	}
	words, err := parseWords(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return fmt.Errorf("payments: %w (%s)", err, paymentsUsage)
	}
	if len(words) != 1 {
		fs.Usage()
		return errors.New("payments: say list, reconcile or report")
	}
	c, err := newAdminClient(*base, getenv)
	if err != nil {
		return fmt.Errorf("payments: %w", err)
	}
	switch words[0] {
	case "list":
		var bills []struct {
			Bill, Service, Status, BillingCode, Method, NTPN string
			Amount                                           int64
			CreatedAt, ExpiresAt                             time.Time
		}
		if err := c.do(ctx, "GET", "/admin/payments?status="+url.QueryEscape(*status), &bills); err != nil {
			return err
		}
		if len(bills) == 0 {
			fmt.Fprintln(stdout, "no bills")
			return nil
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "BILL\tSERVICE\tAMOUNT\tSTATUS\tBILLING CODE\tMETHOD\tNTPN\tCREATED\tEXPIRES")
		for _, b := range bills {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", b.Bill, b.Service, b.Amount, b.Status, b.BillingCode, b.Method,
				b.NTPN, b.CreatedAt.Format(time.RFC3339), b.ExpiresAt.Format(time.RFC3339))
		}
		return tw.Flush()
	case "reconcile":
		var out struct {
			Asked, Settled int
			Errors         string
		}
		if err := c.do(ctx, "POST", "/admin/payments/reconcile", &out); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "asked the gateway about %d open bills; %d were paid and are settled now\n", out.Asked, out.Settled)
		if out.Errors != "" {
			return fmt.Errorf("payments reconcile: %s", out.Errors)
		}
		return nil
	case "report":
		var rep json.RawMessage
		q := ""
		if *day != "" {
			q = "?day=" + url.QueryEscape(*day)
		}
		if err := c.do(ctx, "GET", "/admin/payments/report"+q, &rep); err != nil {
			return err
		}
		_, err := fmt.Fprintln(stdout, string(rep))
		return err
	}
	fs.Usage()
	return fmt.Errorf("unknown payments command %q (%s)", words[0], paymentsUsage)
}
