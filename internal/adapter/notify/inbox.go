package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// InboxItem is one notification in a person's inbox.
type InboxItem struct {
	Key           string    `json:"id"`
	ApplicationID string    `json:"application_id"`
	Reference     string    `json:"reference,omitempty"`
	Subject       string    `json:"subject"`
	Link          string    `json:"link"`
	At            time.Time `json:"at"`
	Read          bool      `json:"read"`
}

// Inbox is the Redis projection of everyone's notifications: per user, a
// sorted set of outbox keys by time, and one hash of items. It is a read
// model: the application workflows' outboxes name each message's
// recipients, and `fundflow reindex` rebuilds it from them.
type Inbox struct {
	Redis  redis.UniversalClient
	Prefix string
}

// MaxInbox bounds what one inbox keeps: older items drop off the end.
const MaxInbox = 500

func (b *Inbox) list(userID string) string { return b.Prefix + "inbox:" + userID }
func (b *Inbox) items() string             { return b.Prefix + "inbox:items" }
func (b *Inbox) read(userID string) string { return b.Prefix + "inbox:read:" + userID }

// Add puts item in each user's inbox; adding it again changes nothing.
func (b *Inbox) Add(ctx context.Context, userIDs []string, item InboxItem) error {
	item.Read = false
	raw, err := json.Marshal(item)
	if err != nil {
		return err
	}
	_, err = b.Redis.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, b.items(), item.Key, raw)
		for _, u := range userIDs {
			p.ZAdd(ctx, b.list(u), redis.Z{Score: float64(item.At.UnixMilli()), Member: item.Key})
			p.ZRemRangeByRank(ctx, b.list(u), 0, -MaxInbox-1)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("inbox: %w", err)
	}
	return nil
}

// List is a user's inbox, unread first, newest first within each, and how
// many are unread.
func (b *Inbox) List(ctx context.Context, userID string) ([]InboxItem, int, error) {
	keys, err := b.Redis.ZRevRange(ctx, b.list(userID), 0, -1).Result()
	if err != nil || len(keys) == 0 {
		return []InboxItem{}, 0, err
	}
	raws, err := b.Redis.HMGet(ctx, b.items(), keys...).Result()
	if err != nil {
		return nil, 0, err
	}
	read, err := b.Redis.SMembersMap(ctx, b.read(userID)).Result()
	if err != nil {
		return nil, 0, err
	}
	var unread, seen []InboxItem
	for _, raw := range raws {
		s, ok := raw.(string)
		if !ok {
			continue
		}
		var it InboxItem
		if json.Unmarshal([]byte(s), &it) != nil {
			continue
		}
		if _, ok := read[it.Key]; ok {
			it.Read = true
			seen = append(seen, it)
		} else {
			unread = append(unread, it)
		}
	}
	return append(append([]InboxItem{}, unread...), seen...), len(unread), nil
}

// Has reports whether key is in the user's inbox.
func (b *Inbox) Has(ctx context.Context, userID, key string) (bool, error) {
	err := b.Redis.ZScore(ctx, b.list(userID), key).Err()
	if err == redis.Nil {
		return false, nil
	}
	return err == nil, err
}

// MarkRead records keys as read by the user.
func (b *Inbox) MarkRead(ctx context.Context, userID string, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	members := make([]any, len(keys))
	for i, k := range keys {
		members[i] = k
	}
	return b.Redis.SAdd(ctx, b.read(userID), members...).Err()
}
