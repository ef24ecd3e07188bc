package teomq

import (
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/teonet-go/teomq/internal/diskfree"
	"github.com/teonet-go/teomq/store"
)

// diskBudget bounds the space the store takes on disk
// (BrokerConfig.MaxDisk). Its size is measured by refresh and counted up
// by charge for each publish in between, so that a burst cannot overrun
// the budget between two measurements. Safe for concurrent use.
type diskBudget struct {
	limit uint64                // 0: no budget
	sizer store.MetricsReporter // nil: no budget
	used  atomic.Uint64         // bytes: the last measurement plus the payloads charged since
}

// diskCheckInterval is how often the broker measures its store's size
// against the disk budget.
const diskCheckInterval = 250 * time.Millisecond

// newDiskBudget sets up the budget of store s as cfg says: MaxDisk, or by
// default the store's size plus half the space free on cfg.DataDir's file
// system. A store that does not report its size, a negative MaxDisk, or a
// default that cannot be worked out (a Store given in cfg, a platform
// without a free-space call) leave the store without a budget.
func newDiskBudget(cfg BrokerConfig, s store.Store, log *slog.Logger) *diskBudget {
	d := &diskBudget{}
	sizer, ok := s.(store.MetricsReporter)
	if !ok || cfg.MaxDisk < 0 {
		return d
	}
	used := sizer.Metrics().DiskBytes
	limit := uint64(cfg.MaxDisk)
	if limit == 0 {
		if cfg.Store != nil {
			return d
		}
		free, err := diskfree.Bytes(cfg.DataDir)
		if err != nil {
			log.Warn("teomq: no default disk budget: free space unknown", "err", err)
			return d
		}
		limit = used + free/2
	}
	d.limit, d.sizer = limit, sizer
	d.used.Store(used)
	log.Info("teomq: disk budget", "dir", cfg.DataDir, "max_disk", limit, "used", used)
	return d
}

// refusal returns why a publish of n payload bytes is refused: the store
// would pass its budget. It returns "" when the publish fits. The text
// names the limit.
func (d *diskBudget) refusal(n int) string {
	if d.limit == 0 {
		return ""
	}
	if used := d.used.Load(); used+uint64(n) > d.limit {
		return fmt.Sprintf("the store takes %d bytes on disk, %d more would pass the limit (max disk) of %d", used, n, d.limit)
	}
	return ""
}

// charge counts n bytes about to be written.
func (d *diskBudget) charge(n int) {
	if d.limit != 0 {
		d.used.Add(uint64(n))
	}
}

// refresh measures the store's size.
func (d *diskBudget) refresh() {
	if d.limit != 0 {
		d.used.Store(d.sizer.Metrics().DiskBytes)
	}
}

// diskLoop measures the store against its budget every
// diskCheckInterval. Owned by the Broker: started by NewBroker when the
// store has a budget, stopped by Close.
func (b *Broker) diskLoop() {
	defer b.wg.Done()
	t := time.NewTicker(diskCheckInterval)
	defer t.Stop()
	for {
		select {
		case <-b.exit:
			return
		case <-t.C:
			b.disk.refresh()
		}
	}
}
