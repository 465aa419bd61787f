/*
 * pasid.c — PASID allocation: a 64-ary bitmap tree per space, owners per
 * pPASID, a vPASID -> pPASID table per vGPU.
 *
 * Trusts its callers for object lifetimes (a vGPU is freed before its
 * space); trusts nothing about PASID values passed in.
 */
#include "pasid.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

/*
 * A bitmap tree over nbits bits: level 0 holds one bit per item (1 =
 * used), level l+1 one bit per word of level l (1 = that word is full).
 * The last level is a single word. Bits past the end of each level are
 * set at init, so they look used and are never found.
 *
 * Invariant: a bit of level l+1 is set iff its word of level l is ~0.
 */
#define HB_MAX_LEVELS 5 /* 64^4 = 2^24 >= 2^20 items; one to spare */

struct hbitmap {
	uint32_t nbits;
	unsigned int levels;
	uint64_t *word[HB_MAX_LEVELS];
};

static void hb_dispose(struct hbitmap *hb)
{
	for (unsigned int l = 0; l < HB_MAX_LEVELS; l++) {
		free(hb->word[l]);
		hb->word[l] = NULL;
	}
	hb->levels = 0;
	hb->nbits = 0;
}

static void hb_set_tail(uint64_t *words, uint32_t nwords, uint32_t used)
{
	for (uint32_t b = used; b < nwords * 64u; b++)
		words[b / 64] |= 1ull << (b % 64);
}

static int hb_init(struct hbitmap *hb, uint32_t nbits)
{
	uint32_t count = nbits; /* bits at this level */
	int rc = -ENOMEM;

	*hb = (struct hbitmap){.nbits = nbits};
	for (unsigned int l = 0; l < HB_MAX_LEVELS; l++) {
		uint32_t nwords = (count + 63) / 64;

		hb->word[l] = calloc(nwords, sizeof(uint64_t));
		if (!hb->word[l])
			goto out;
		hb_set_tail(hb->word[l], nwords, count);
		hb->levels = l + 1;
		if (nwords == 1) {
			rc = 0;
			goto out;
		}
		count = nwords;
	}
	rc = -EINVAL; /* more than 64^HB_MAX_LEVELS bits */
out:
	if (rc)
		hb_dispose(hb);
	return rc;
}

static void hb_set(struct hbitmap *hb, uint32_t i)
{
	for (unsigned int l = 0; l < hb->levels; l++) {
		uint64_t *w = &hb->word[l][i / 64];

		*w |= 1ull << (i % 64);
		if (*w != ~0ull)
			break;
		i /= 64;
	}
}

static void hb_clear(struct hbitmap *hb, uint32_t i)
{
	for (unsigned int l = 0; l < hb->levels; l++) {
		uint64_t *w = &hb->word[l][i / 64];
		bool was_full = *w == ~0ull;

		*w &= ~(1ull << (i % 64));
		if (!was_full)
			break;
		i /= 64;
	}
}

/* Lowest clear bit, or -1 when every bit is set. */
static int64_t hb_first_zero(const struct hbitmap *hb)
{
	unsigned int l = hb->levels - 1;
	uint64_t idx;

	if (hb->word[l][0] == ~0ull)
		return -1;
	idx = (uint64_t)__builtin_ctzll(~hb->word[l][0]);
	while (l-- > 0)
		idx = idx * 64 + (uint64_t)__builtin_ctzll(~hb->word[l][idx]);
	return (int64_t)idx;
}

/*
 * The space. Fields guarded by lock, including those of every vGPU.
 * owner[p] is 0 for a free pPASID, else the id of the vGPU holding it;
 * vpasid_of[p] is then its vPASID in that vGPU.
 */
struct xv_pasid_space {
	pthread_mutex_t lock;
	struct hbitmap used; /* bit p set: pPASID p allocated (or reserved) */
	uint32_t max;	     /* 2^bits - 1 */
	uint32_t in_use;
	uint32_t *owner;
	uint32_t *vpasid_of;
	uint32_t next_id; /* vGPU ids; 0 means "free" in owner[] */
	uint32_t nr_vgpus;
};

/*
 * A vGPU. v2p[v] is the pPASID of vPASID v, 0 when unmapped; the table
 * covers vPASIDs below nslots = min(2^width, quota + 1), which is all a
 * lowest-free allocator reaches with at most quota alive.
 */
struct xv_pasid_vgpu {
	struct xv_pasid_space *space;
	uint32_t id;
	uint32_t quota;
	uint32_t vmax; /* 2^width - 1 */
	uint32_t nslots;
	uint32_t in_use;
	struct hbitmap vused;
	uint32_t *v2p;
};

int xv_pasid_space_new(unsigned int bits, struct xv_pasid_space **out)
{
	struct xv_pasid_space *s = NULL;
	uint32_t n;
	int rc = -EINVAL;

	*out = NULL;
	if (bits < 1 || bits > XV_PASID_MAX_BITS)
		goto out;
	n = 1u << bits;
	rc = -ENOMEM;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto out;
	s->max = n - 1;
	s->next_id = 1;
	/* calloc: the kernel hands zero pages lazily, so 8 MiB of owner
	 * tables at 20 bits costs only what is touched. */
	s->owner = calloc(n, sizeof(uint32_t));
	s->vpasid_of = calloc(n, sizeof(uint32_t));
	if (!s->owner || !s->vpasid_of)
		goto out;
	rc = hb_init(&s->used, n);
	if (rc)
		goto out;
	hb_set(&s->used, XV_PASID_RESERVED);
	rc = -pthread_mutex_init(&s->lock, NULL);
	if (rc)
		goto out;
	*out = s;
	s = NULL;
out:
	if (s) {
		hb_dispose(&s->used);
		free(s->owner);
		free(s->vpasid_of);
		free(s);
	}
	return rc;
}

void xv_pasid_space_free(struct xv_pasid_space *space)
{
	if (!space)
		return;
	pthread_mutex_destroy(&space->lock);
	hb_dispose(&space->used);
	free(space->owner);
	free(space->vpasid_of);
	free(space);
}

uint32_t xv_pasid_space_in_use(struct xv_pasid_space *space)
{
	uint32_t n;

	pthread_mutex_lock(&space->lock);
	n = space->in_use;
	pthread_mutex_unlock(&space->lock);
	return n;
}

uint32_t xv_pasid_space_max(const struct xv_pasid_space *space)
{
	return space->max; /* constant after _new */
}

int xv_pasid_vgpu_new(struct xv_pasid_space *space, uint32_t quota,
		      unsigned int width, struct xv_pasid_vgpu **out)
{
	struct xv_pasid_vgpu *v = NULL;
	int rc = -EINVAL;

	*out = NULL;
	if (width < 1 || width > XV_PASID_MAX_BITS)
		goto out;
	rc = -ENOMEM;
	v = calloc(1, sizeof(*v));
	if (!v)
		goto out;
	v->space = space;
	v->quota = quota;
	v->vmax = (1u << width) - 1;
	v->nslots = quota < v->vmax ? quota + 1 : v->vmax + 1;
	v->v2p = calloc(v->nslots, sizeof(uint32_t));
	if (!v->v2p)
		goto out;
	rc = hb_init(&v->vused, v->nslots);
	if (rc)
		goto out;
	hb_set(&v->vused, XV_PASID_RESERVED);

	pthread_mutex_lock(&space->lock);
	v->id = space->next_id++;
	if (space->next_id == 0) /* 0 marks a free pPASID */
		space->next_id = 1;
	space->nr_vgpus++;
	pthread_mutex_unlock(&space->lock);
	*out = v;
	v = NULL;
out:
	if (v) {
		hb_dispose(&v->vused);
		free(v->v2p);
		free(v);
	}
	return rc;
}

/* Unmap one pair; the caller holds the lock and has checked ownership. */
static void unmap_locked(struct xv_pasid_vgpu *v, uint32_t vpasid,
			 uint32_t ppasid)
{
	struct xv_pasid_space *s = v->space;

	v->v2p[vpasid] = 0;
	hb_clear(&v->vused, vpasid);
	v->in_use--;
	s->owner[ppasid] = 0;
	s->vpasid_of[ppasid] = 0;
	hb_clear(&s->used, ppasid);
	s->in_use--;
}

static int release_all_locked(struct xv_pasid_vgpu *v)
{
	int n = 0;

	for (uint32_t vp = 1; vp < v->nslots && v->in_use; vp++) {
		if (!v->v2p[vp])
			continue;
		unmap_locked(v, vp, v->v2p[vp]);
		n++;
	}
	return n;
}

void xv_pasid_vgpu_free(struct xv_pasid_vgpu *vgpu)
{
	struct xv_pasid_space *s;

	if (!vgpu)
		return;
	s = vgpu->space;
	pthread_mutex_lock(&s->lock);
	release_all_locked(vgpu);
	s->nr_vgpus--;
	pthread_mutex_unlock(&s->lock);
	hb_dispose(&vgpu->vused);
	free(vgpu->v2p);
	free(vgpu);
}

uint32_t xv_pasid_vgpu_in_use(struct xv_pasid_vgpu *vgpu)
{
	uint32_t n;

	pthread_mutex_lock(&vgpu->space->lock);
	n = vgpu->in_use;
	pthread_mutex_unlock(&vgpu->space->lock);
	return n;
}

int xv_pasid_alloc(struct xv_pasid_vgpu *vgpu, uint32_t *vpasid,
		   uint32_t *ppasid, enum xv_pasid_nospc *why)
{
	struct xv_pasid_space *s = vgpu->space;
	enum xv_pasid_nospc reason = XV_PASID_NOSPC_NONE;
	int64_t vp, pp;
	int rc = -ENOSPC;

	pthread_mutex_lock(&s->lock);
	if (vgpu->in_use >= vgpu->quota) {
		reason = XV_PASID_NOSPC_QUOTA;
		goto out;
	}
	vp = hb_first_zero(&vgpu->vused);
	if (vp < 0) {
		/* quota not reached but the table is full: nslots came from
		 * the width, not the quota */
		reason = XV_PASID_NOSPC_WIDTH;
		goto out;
	}
	pp = hb_first_zero(&s->used);
	if (pp < 0) {
		reason = XV_PASID_NOSPC_DEVICE;
		goto out;
	}
	hb_set(&vgpu->vused, (uint32_t)vp);
	vgpu->v2p[vp] = (uint32_t)pp;
	vgpu->in_use++;
	hb_set(&s->used, (uint32_t)pp);
	s->owner[pp] = vgpu->id;
	s->vpasid_of[pp] = (uint32_t)vp;
	s->in_use++;
	*vpasid = (uint32_t)vp;
	*ppasid = (uint32_t)pp;
	rc = 0;
out:
	pthread_mutex_unlock(&s->lock);
	if (why)
		*why = reason;
	return rc;
}

/* Validate a vPASID against the width: the reserved one and those the
 * guest could never have been given are -EINVAL. */
static int check_vpasid(const struct xv_pasid_vgpu *v, uint32_t vpasid)
{
	if (vpasid == XV_PASID_RESERVED || vpasid > v->vmax)
		return -EINVAL;
	return 0;
}

int xv_pasid_lookup(struct xv_pasid_vgpu *vgpu, uint32_t vpasid,
		    uint32_t *ppasid)
{
	int rc = check_vpasid(vgpu, vpasid);

	if (rc)
		return rc;
	pthread_mutex_lock(&vgpu->space->lock);
	rc = -ENOENT;
	if (vpasid < vgpu->nslots && vgpu->v2p[vpasid]) {
		*ppasid = vgpu->v2p[vpasid];
		rc = 0;
	}
	pthread_mutex_unlock(&vgpu->space->lock);
	return rc;
}

int xv_pasid_free(struct xv_pasid_vgpu *vgpu, uint32_t vpasid)
{
	int rc = check_vpasid(vgpu, vpasid);

	if (rc)
		return rc;
	pthread_mutex_lock(&vgpu->space->lock);
	rc = -EINVAL; /* never allocated, or freed already */
	if (vpasid < vgpu->nslots && vgpu->v2p[vpasid]) {
		unmap_locked(vgpu, vpasid, vgpu->v2p[vpasid]);
		rc = 0;
	}
	pthread_mutex_unlock(&vgpu->space->lock);
	return rc;
}

/* Check a pPASID for this vGPU; the caller holds the lock. */
static int owned_locked(const struct xv_pasid_vgpu *v, uint32_t ppasid)
{
	const struct xv_pasid_space *s = v->space;

	if (ppasid == XV_PASID_RESERVED || ppasid > s->max)
		return -EINVAL;
	if (s->owner[ppasid] == 0)
		return -EINVAL;
	if (s->owner[ppasid] != v->id)
		return -EPERM;
	return 0;
}

int xv_pasid_reverse(struct xv_pasid_vgpu *vgpu, uint32_t ppasid,
		     uint32_t *vpasid)
{
	int rc;

	pthread_mutex_lock(&vgpu->space->lock);
	rc = owned_locked(vgpu, ppasid);
	if (!rc)
		*vpasid = vgpu->space->vpasid_of[ppasid];
	pthread_mutex_unlock(&vgpu->space->lock);
	return rc;
}

int xv_pasid_free_ppasid(struct xv_pasid_vgpu *vgpu, uint32_t ppasid)
{
	int rc;

	pthread_mutex_lock(&vgpu->space->lock);
	rc = owned_locked(vgpu, ppasid);
	if (!rc)
		unmap_locked(vgpu, vgpu->space->vpasid_of[ppasid], ppasid);
	pthread_mutex_unlock(&vgpu->space->lock);
	return rc;
}

int xv_pasid_release_all(struct xv_pasid_vgpu *vgpu)
{
	int n;

	pthread_mutex_lock(&vgpu->space->lock);
	n = release_all_locked(vgpu);
	pthread_mutex_unlock(&vgpu->space->lock);
	return n;
}
