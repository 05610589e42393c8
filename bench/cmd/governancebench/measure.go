package main

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/paved-road/paved/bench/machine"
)

// results is everything the report says.
type results struct {
	opts    options
	kit     *kit
	started time.Time
	took    time.Duration
	load    [2]string // load average at the start and at the end
	cpu     machine.Share
	policy  *policyFigures
	drift   *driftFigures
	repo    *driftRepo
}

// measure runs the policy measurement, then the drift sweeps.
func (r *results) measure(ctx context.Context) error {
	r.load[0] = machine.LoadAverage()
	before := machine.ReadCounters()
	policyDir := filepath.Join(r.kit.Scratch, "policy")
	if err := os.MkdirAll(policyDir, 0o755); err != nil {
		return err
	}
	var err error
	if r.policy, err = measurePolicies(ctx, r.kit, policyDir, r.opts); err != nil {
		return err
	}
	driftDir := filepath.Join(r.kit.Scratch, "drift")
	if err := os.MkdirAll(driftDir, 0o755); err != nil {
		return err
	}
	if r.drift, r.repo, err = measureDrift(ctx, r.kit, driftDir, r.opts); err != nil {
		return err
	}
	r.cpu = machine.ReadCounters().Since(before)
	r.load[1] = machine.LoadAverage()
	return nil
}
