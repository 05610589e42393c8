package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Plans are kept per group (a pull request) until dropped, so that any
// replica can apply a plan another one made; they do not expire.

// SavePlan saves p among group's plans, in place of one of the same name,
// under f's lease.
func (b *Bolt) SavePlan(f Fence, group string, p Plan) error {
	err := checkPlan(f, group, p)
	if err == nil {
		err = b.update(f, func(tx *bolt.Tx) error {
			plans, err := tx.Bucket(plansBucket).CreateBucketIfNotExists([]byte(group))
			if err != nil {
				return err
			}
			return plans.Put([]byte(p.Name), encodePlan(p))
		})
	}
	if err != nil {
		return fmt.Errorf("save plan %s of %s: %w", p.Name, group, err)
	}
	return nil
}

// checkPlan refuses a plan write no lease covers, and a plan that has no
// group or no name to be found by.
func checkPlan(f Fence, group string, p Plan) error {
	switch {
	case f == (Fence{}):
		return errUnfenced
	case group == "":
		return errors.New("a plan belongs to a group, and none is named")
	case p.Name == "":
		return errors.New("a plan needs a name")
	}
	return nil
}

// Plans returns group's plans, by name, without their files.
func (b *Bolt) Plans(group string) ([]Plan, error) {
	var out []Plan
	err := b.db.View(func(tx *bolt.Tx) error {
		plans := groupPlans(tx, group)
		if plans == nil {
			return nil
		}
		return plans.ForEach(func(k, v []byte) error {
			meta, _, err := decodePlan(v)
			if err != nil {
				return fmt.Errorf("plan %s: %w", k, err)
			}
			out = append(out, Plan{Name: string(k), Meta: bytes.Clone(meta)})
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list the plans of %s: %w", group, err)
	}
	return out, nil
}

// PlanFile returns the file of group's plan name.
func (b *Bolt) PlanFile(group, name string) ([]byte, error) {
	var file []byte
	err := b.db.View(func(tx *bolt.Tx) error {
		var raw []byte
		if plans := groupPlans(tx, group); plans != nil {
			raw = plans.Get([]byte(name))
		}
		if raw == nil {
			return errNoPlan
		}
		_, f, err := decodePlan(raw)
		file = bytes.Clone(f)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read plan file %s of %s: %w", name, group, err)
	}
	return file, nil
}

// DropPlans forgets group's plans of names, or all of them when names is
// nil, under f's lease; the zero f drops them unfenced, as an operator
// releasing a lock does. Names that are not saved are no error.
func (b *Bolt) DropPlans(f Fence, group string, names []string) error {
	err := b.update(f, func(tx *bolt.Tx) error {
		plans := groupPlans(tx, group)
		if plans == nil {
			return nil
		}
		for _, name := range names {
			if err := plans.Delete([]byte(name)); err != nil {
				return err
			}
		}
		if names != nil {
			if k, _ := plans.Cursor().First(); k != nil {
				return nil
			}
		}
		// All dropped, the group's bucket goes too.
		return tx.Bucket(plansBucket).DeleteBucket([]byte(group))
	})
	if err != nil {
		return fmt.Errorf("drop the plans of %s: %w", group, err)
	}
	return nil
}

func groupPlans(tx *bolt.Tx, group string) *bolt.Bucket {
	if group == "" {
		return nil
	}
	return tx.Bucket(plansBucket).Bucket([]byte(group))
}

// encodePlan keeps a plan as the length of its metadata, the metadata and
// the file.
func encodePlan(p Plan) []byte {
	b := binary.AppendUvarint(make([]byte, 0, binary.MaxVarintLen64+len(p.Meta)+len(p.File)), uint64(len(p.Meta)))
	return append(append(b, p.Meta...), p.File...)
}

func decodePlan(raw []byte) (meta, file []byte, err error) {
	d := decoder{raw: raw}
	meta = d.bytes()
	if d.bad {
		return nil, nil, errors.New("decode plan: truncated")
	}
	return meta, d.raw, nil
}
