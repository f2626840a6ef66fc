package alarms

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"time"

	"github.com/keyward/keyward/internal/alarms/filterpattern"
	"github.com/keyward/keyward/internal/audit"
)

// The ingest follows the audit trail off the request path. For each event it
// matches the filters of the event's account and adds the values to
// in-memory per-minute aggregates; every FlushInterval it writes them
// together with the sequence number of the last event counted (one
// transaction), so that after a restart it resumes exactly where the
// stored datapoints end.
//
// A filter's defaultValue is published for a minute once the minute is
// over — an event of a later minute was seen, or the wall clock passed it
// while the ingest was idle — if events arrived in it and none matched.
// Events of a minute already closed (late, or replayed after a restart)
// still count when they match but open no default again. The bookkeeping
// for the minute still open is in memory only: a restart in that minute
// can lose that minute's default datapoint, never a matched one.

type ingest struct {
	mu       sync.Mutex
	pending  map[pendingKey]*Datapoint
	defaults map[defaultKey]bool // value: some event of the minute matched
	through  uint64              // last sequence number processed
	lastMin  time.Time           // minute of the newest event processed
	lastSeen time.Time           // wall-clock time the last event was processed
	closed   time.Time           // newest minute whose defaults were settled
	flushed  uint64              // last sequence number stored
	filters  map[string][]*compiledFilter
	gen      uint64 // filtersGen the filters were loaded at
	loaded   bool
	kick     chan struct{}
	progress chan struct{} // closed and replaced after every flush
}

func (g *ingest) init() {
	g.pending = map[pendingKey]*Datapoint{}
	g.defaults = map[defaultKey]bool{}
	g.kick = make(chan struct{}, 1)
	g.progress = make(chan struct{})
}

type pendingKey struct {
	account, region, namespace, name, dims, unit string
	minute                                       int64
}

type defaultKey struct {
	filter *compiledFilter
	minute int64
}

type compiledFilter struct {
	f       *MetricFilter
	pattern *filterpattern.Pattern
	// dims holds the dimension sets the filter has published since it was
	// loaded; past maxDimensionSets new sets are dropped, as CloudWatch
	// Logs stops a filter that makes 1000 different ones, so that a
	// high-cardinality field cannot grow the store without bound.
	dims   map[string]bool
	capped bool
}

const maxDimensionSets = 1000

// kickThreshold is the number of pending aggregates that makes the ingest
// flush before its interval.
const kickThreshold = 4096

// Init prepares the ingest before requests are served: on the first start
// it records the trail's newest event as already counted (metric filters,
// as in AWS, count the events that arrive after them), so that no event
// appended while the server starts is missed or counted from history.
func (s *Service) Init(ctx context.Context) error {
	if s.source == nil {
		return nil
	}
	cp, err := s.store.Checkpoint(ctx, ingestConsumer)
	if err != nil {
		return err
	}
	latest, err := s.latestSeq(ctx)
	if err != nil {
		return err
	}
	if cp == 0 || cp > latest {
		if cp > latest {
			s.log.Warn("the audit trail ends before the metric filters' checkpoint; counting from its end",
				"checkpoint", cp, "trail_end", latest)
		}
		if err := s.store.AddDatapoints(ctx, ingestConsumer, latest, nil); err != nil {
			return err
		}
		cp = latest
	}
	s.ing.mu.Lock()
	s.ing.through, s.ing.flushed = cp, cp
	s.ing.mu.Unlock()
	return nil
}

// latestSeq is the sequence number of the trail's newest durable event, 0
// when it has none.
func (s *Service) latestSeq(ctx context.Context) (uint64, error) {
	var latest uint64
	err := s.source.Scan(ctx, audit.ScanOptions{NewestFirst: true}, func(seq uint64, _ *audit.Event) bool {
		latest = seq
		return false
	})
	return latest, err
}

// Run follows the audit trail, flushes what it counts, evaluates the alarms
// every EvalInterval and prunes old datapoints and history, until ctx ends;
// then it writes what remains. Call Init first.
func (s *Service) Run(ctx context.Context) {
	var wg sync.WaitGroup
	if s.source != nil {
		wg.Add(2)
		go func() { defer wg.Done(); s.follow(ctx) }()
		go func() { defer wg.Done(); s.flushLoop(ctx) }()
	}
	eval := time.NewTicker(s.evalInterval)
	defer eval.Stop()
	prune := time.NewTicker(time.Hour)
	defer prune.Stop()
	s.pruneOld(ctx)
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-eval.C:
			if err := s.EvaluateAlarms(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("alarm evaluation", "err", err)
			}
		case <-prune.C:
			s.pruneOld(ctx)
		}
	}
	wg.Wait()
	if s.source != nil {
		if err := s.flush(context.WithoutCancel(ctx), true); err != nil {
			s.log.Error("metric filters: final flush", "err", err)
		}
	}
}

func (s *Service) pruneOld(ctx context.Context) {
	now := time.Now()
	if _, err := s.store.PruneDatapoints(ctx, now.Add(-s.retention)); err != nil && ctx.Err() == nil {
		s.log.Error("metric retention", "err", err)
	}
	if _, err := s.store.PruneAlarmHistory(ctx, s.now().Add(-s.historyRetention)); err != nil && ctx.Err() == nil {
		s.log.Error("alarm history retention", "err", err)
	}
}

// follow tails the trail from the checkpoint, retrying after errors.
func (s *Service) follow(ctx context.Context) {
	for ctx.Err() == nil {
		s.ing.mu.Lock()
		from := s.ing.through + 1
		s.ing.mu.Unlock()
		err := s.source.Tail(ctx, from, func(seq uint64, ev *audit.Event) bool {
			s.process(ctx, seq, ev)
			return ctx.Err() == nil
		})
		if ctx.Err() != nil {
			return
		}
		s.log.Error("metric filters: following the audit trail failed; retrying", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(5 * time.Second):
		}
	}
}

func (s *Service) flushLoop(ctx context.Context) {
	t := time.NewTicker(s.flushInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.ing.kick:
		}
		if err := s.flush(ctx, false); err != nil && ctx.Err() == nil {
			s.log.Error("metric filters: writing datapoints failed; will retry", "err", err)
		}
	}
}

// filtersFor returns the compiled filters of an account, reloading them
// when they changed. Called with ing.mu held.
func (s *Service) filtersFor(ctx context.Context, account string) []*compiledFilter {
	g := &s.ing
	if gen := s.filtersGen.Load(); !g.loaded || g.gen != gen {
		fs, err := s.store.AllMetricFilters(ctx)
		if err != nil {
			s.log.Error("metric filters: loading filters failed", "err", err)
			return g.filters[account] // keep the previous set
		}
		byAccount := map[string][]*compiledFilter{}
		for _, f := range fs {
			if f.LogGroup != s.auditGroup {
				continue // other groups receive no events
			}
			p, err := filterpattern.Parse(f.Pattern)
			if err != nil {
				s.log.Error("metric filters: stored pattern does not parse; skipping the filter",
					"account", f.Account, "region", f.Region, "filter", f.Name, "err", err)
				continue
			}
			byAccount[f.Account] = append(byAccount[f.Account], &compiledFilter{f: f, pattern: p})
		}
		// Keep the default-value bookkeeping only for filters still present.
		for k := range g.defaults {
			if !slices.ContainsFunc(byAccount[k.filter.f.Account], func(c *compiledFilter) bool { return sameFilter(c.f, k.filter.f) }) {
				delete(g.defaults, k)
			}
		}
		g.filters, g.gen, g.loaded = byAccount, gen, true
	}
	return g.filters[account]
}

func sameFilter(a, b *MetricFilter) bool {
	return a.Account == b.Account && a.Region == b.Region && a.LogGroup == b.LogGroup && a.Name == b.Name
}

// eventAccount is the account whose log group holds ev.
func eventAccount(ev *audit.Event) string {
	if ev.RecipientAccountID != "" {
		return ev.RecipientAccountID
	}
	return ev.UserIdentity.AccountID
}

// logMessage is the log event message of an audit event: its CloudTrail
// record, as CloudTrail delivers it to CloudWatch Logs.
func logMessage(ev *audit.Event) (string, error) {
	b, err := json.Marshal(ev)
	return string(b), err
}

// process counts one event.
func (s *Service) process(ctx context.Context, seq uint64, ev *audit.Event) {
	s.logDisabledKeyUse(ev)
	g := &s.ing
	g.mu.Lock()
	defer func() {
		n := len(g.pending)
		g.mu.Unlock()
		if n >= kickThreshold {
			select {
			case g.kick <- struct{}{}:
			default:
			}
		}
	}()
	if seq <= g.through {
		return // already counted
	}
	g.through = seq
	g.lastSeen = time.Now()
	minute := ev.EventTime.UTC().Truncate(time.Minute)
	if minute.After(g.lastMin) {
		g.lastMin = minute
	}
	fs := s.filtersFor(ctx, eventAccount(ev))
	if len(fs) == 0 {
		return
	}
	msg, err := logMessage(ev)
	if err != nil {
		s.log.Error("metric filters: encoding an audit event failed", "seq", seq, "err", err)
		return
	}
	fe := filterpattern.NewEvent(msg)
	for _, c := range fs {
		x, matched := c.pattern.ExtractEvent(fe)
		for i := range c.f.Transformations {
			t := &c.f.Transformations[i]
			if t.DefaultValue != nil && minute.After(g.closed) {
				k := defaultKey{filter: c, minute: minute.Unix()}
				g.defaults[k] = g.defaults[k] || matched
			}
			if !matched {
				continue
			}
			v, ok := x.MetricValue(t.Value)
			if !ok {
				continue // the selected field is missing or not a number: nothing is published
			}
			dims, ok := extractDimensions(x, t.Dimensions)
			if !ok || !s.admitDimensions(c, dims) {
				continue
			}
			g.addPoint(Metric{Account: c.f.Account, Region: c.f.Region, Namespace: t.Namespace, Name: t.MetricName, Dimensions: dims},
				t.Unit, minute, v)
		}
	}
}

// admitDimensions reports whether a filter may publish a datapoint with
// dims. Called with ing.mu held.
func (s *Service) admitDimensions(c *compiledFilter, dims []Dimension) bool {
	if len(dims) == 0 {
		return true
	}
	key := DimensionsKey(dims)
	if c.dims[key] {
		return true
	}
	if len(c.dims) >= maxDimensionSets {
		if !c.capped {
			c.capped = true
			s.log.Warn("metric filter: too many different dimension values; new ones are dropped",
				"account", c.f.Account, "region", c.f.Region, "filter", c.f.Name, "limit", maxDimensionSets)
		}
		return false
	}
	if c.dims == nil {
		c.dims = map[string]bool{}
	}
	c.dims[key] = true
	return true
}

// extractDimensions reads each dimension's value; false if one is missing.
func extractDimensions(x filterpattern.Extracted, spec map[string]string) ([]Dimension, bool) {
	if len(spec) == 0 {
		return nil, true
	}
	dims := make([]Dimension, 0, len(spec))
	for name, sel := range spec {
		v, ok := x.Text(sel)
		if !ok || v == "" {
			return nil, false
		}
		dims = append(dims, Dimension{Name: name, Value: v})
	}
	return sortDimensions(dims), true
}

// addPoint adds one value. Called with ing.mu held.
func (g *ingest) addPoint(m Metric, unit string, minute time.Time, v float64) {
	k := pendingKey{account: m.Account, region: m.Region, namespace: m.Namespace, name: m.Name,
		dims: DimensionsKey(m.Dimensions), unit: unit, minute: minute.Unix()}
	p := &Datapoint{Metric: m, Unit: unit, Time: minute, SampleCount: 1, Sum: v, Min: v, Max: v}
	if have := g.pending[k]; have != nil {
		have.add(p)
		return
	}
	g.pending[k] = p
}

// flush writes the pending aggregates and the checkpoint. all also closes
// the open minute's default values (at shutdown nothing more will come).
func (s *Service) flush(ctx context.Context, all bool) error {
	g := &s.ing
	g.mu.Lock()
	wall := time.Now().UTC()
	idle := wall.Sub(g.lastSeen) > time.Second
	for k, matched := range g.defaults {
		m := time.Unix(k.minute, 0).UTC()
		closed := all || m.Before(g.lastMin) || (idle && wall.Sub(m) > time.Minute+5*time.Second)
		if !closed {
			continue
		}
		delete(g.defaults, k)
		if m.After(g.closed) {
			g.closed = m
		}
		if matched {
			continue
		}
		f := k.filter.f
		for _, t := range f.Transformations {
			if t.DefaultValue == nil || len(t.Dimensions) > 0 {
				continue
			}
			g.addPoint(Metric{Account: f.Account, Region: f.Region, Namespace: t.Namespace, Name: t.MetricName}, t.Unit, m, *t.DefaultValue)
		}
	}
	through := g.through
	if len(g.pending) == 0 && through == g.flushed {
		g.mu.Unlock()
		g.signal()
		return nil
	}
	batch := g.pending
	g.pending = map[pendingKey]*Datapoint{}
	g.mu.Unlock()

	dps := make([]Datapoint, 0, len(batch))
	for _, p := range batch {
		dps = append(dps, *p)
	}
	if err := s.store.AddDatapoints(ctx, ingestConsumer, through, dps); err != nil {
		g.mu.Lock()
		for k, p := range batch { // put them back for the next attempt
			if have := g.pending[k]; have != nil {
				have.add(p)
			} else {
				g.pending[k] = p
			}
		}
		g.mu.Unlock()
		return err
	}
	g.mu.Lock()
	g.flushed = through
	g.mu.Unlock()
	g.signal()
	return nil
}

// signal wakes whoever waits for the ingest's progress.
func (g *ingest) signal() {
	g.mu.Lock()
	close(g.progress)
	g.progress = make(chan struct{})
	g.mu.Unlock()
}

// Sync waits until every event durable in the trail when it is called has
// been counted and written, or ctx ends. It is for tests and tools: Run
// must be running, or nothing moves.
func (s *Service) Sync(ctx context.Context) error {
	if s.source == nil {
		return nil
	}
	target, err := s.latestSeq(ctx)
	if err != nil {
		return err
	}
	g := &s.ing
	for {
		g.mu.Lock()
		done, wait := g.flushed >= target, g.progress
		g.mu.Unlock()
		if done {
			return nil
		}
		select {
		case g.kick <- struct{}{}:
		default:
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wait:
		case <-time.After(50 * time.Millisecond):
		}
	}
}
