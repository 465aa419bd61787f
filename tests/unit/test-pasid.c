/*
 * test-pasid.c — the PASID allocator: order, limits, misuse by a guest or
 * a confused backend, teardown, and a randomized run against a reference
 * model that scans plain arrays.
 */
#include "pasid.h"
#include "xv-test.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct xv_pasid_space *new_space(unsigned int bits)
{
	struct xv_pasid_space *s = NULL;

	CU_ASSERT_FATAL(xv_pasid_space_new(bits, &s) == 0);
	CU_ASSERT_FATAL(s != NULL);
	return s;
}

static struct xv_pasid_vgpu *new_vgpu(struct xv_pasid_space *s, uint32_t quota,
				      unsigned int width)
{
	struct xv_pasid_vgpu *v = NULL;

	CU_ASSERT_FATAL(xv_pasid_vgpu_new(s, quota, width, &v) == 0);
	CU_ASSERT_FATAL(v != NULL);
	return v;
}

static void test_bad_parameters(void)
{
	struct xv_pasid_space *s = (void *)1;
	struct xv_pasid_vgpu *v = (void *)1;

	CU_ASSERT_EQUAL(xv_pasid_space_new(0, &s), -EINVAL);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_EQUAL(xv_pasid_space_new(21, &s), -EINVAL);
	s = new_space(8);
	CU_ASSERT_EQUAL(xv_pasid_space_max(s), 255);
	CU_ASSERT_EQUAL(xv_pasid_vgpu_new(s, 4, 0, &v), -EINVAL);
	CU_ASSERT_PTR_NULL(v);
	CU_ASSERT_EQUAL(xv_pasid_vgpu_new(s, 4, 21, &v), -EINVAL);
	xv_pasid_vgpu_free(NULL);
	xv_pasid_space_free(s);
	xv_pasid_space_free(NULL);
}

static void test_lowest_free_order(void)
{
	struct xv_pasid_space *s = new_space(12);
	struct xv_pasid_vgpu *v = new_vgpu(s, 200, 12);
	uint32_t vp, pp;

	for (uint32_t i = 1; i <= 130; i++) {
		CU_ASSERT_EQUAL_FATAL(xv_pasid_alloc(v, &vp, &pp, NULL), 0);
		CU_ASSERT_EQUAL(vp, i);
		CU_ASSERT_EQUAL(pp, i);
	}
	/* holes across word boundaries: lowest comes back first */
	CU_ASSERT_EQUAL(xv_pasid_free(v, 100), 0);
	CU_ASSERT_EQUAL(xv_pasid_free(v, 64), 0);
	CU_ASSERT_EQUAL(xv_pasid_free(v, 3), 0);
	CU_ASSERT_EQUAL(xv_pasid_alloc(v, &vp, &pp, NULL), 0);
	CU_ASSERT_EQUAL(vp, 3);
	CU_ASSERT_EQUAL(pp, 3);
	CU_ASSERT_EQUAL(xv_pasid_alloc(v, &vp, &pp, NULL), 0);
	CU_ASSERT_EQUAL(vp, 64);
	CU_ASSERT_EQUAL(xv_pasid_alloc(v, &vp, &pp, NULL), 0);
	CU_ASSERT_EQUAL(vp, 100);
	CU_ASSERT_EQUAL(xv_pasid_alloc(v, &vp, &pp, NULL), 0);
	CU_ASSERT_EQUAL(vp, 131);
	CU_ASSERT_EQUAL(pp, 131);
	CU_ASSERT_EQUAL(xv_pasid_lookup(v, 64, &pp), 0);
	CU_ASSERT_EQUAL(pp, 64);
	xv_pasid_vgpu_free(v);
	CU_ASSERT_EQUAL(xv_pasid_space_in_use(s), 0);
	xv_pasid_space_free(s);
}

/* Two vGPUs interleave: vPASIDs are per vGPU, pPASIDs device-wide. */
static void test_two_vgpus_mapping(void)
{
	struct xv_pasid_space *s = new_space(10);
	struct xv_pasid_vgpu *a = new_vgpu(s, 8, 4);
	struct xv_pasid_vgpu *b = new_vgpu(s, 8, 4);
	uint32_t vp, pp, back;

	CU_ASSERT_EQUAL(xv_pasid_alloc(a, &vp, &pp, NULL), 0);
	CU_ASSERT_EQUAL(vp, 1);
	CU_ASSERT_EQUAL(pp, 1);
	CU_ASSERT_EQUAL(xv_pasid_alloc(b, &vp, &pp, NULL), 0);
	CU_ASSERT_EQUAL(vp, 1);
	CU_ASSERT_EQUAL(pp, 2);
	CU_ASSERT_EQUAL(xv_pasid_alloc(a, &vp, &pp, NULL), 0);
	CU_ASSERT_EQUAL(vp, 2);
	CU_ASSERT_EQUAL(pp, 3);
	CU_ASSERT_EQUAL(xv_pasid_lookup(b, 1, &pp), 0);
	CU_ASSERT_EQUAL(pp, 2);
	CU_ASSERT_EQUAL(xv_pasid_lookup(b, 2, &pp), -ENOENT);
	CU_ASSERT_EQUAL(xv_pasid_reverse(a, 3, &back), 0);
	CU_ASSERT_EQUAL(back, 2);
	CU_ASSERT_EQUAL(xv_pasid_reverse(a, 2, &back), -EPERM);
	CU_ASSERT_EQUAL(xv_pasid_reverse(a, 4, &back), -EINVAL);
	CU_ASSERT_EQUAL(xv_pasid_space_in_use(s), 3);
	xv_pasid_vgpu_free(a);
	xv_pasid_vgpu_free(b);
	xv_pasid_space_free(s);
}

static void test_width_bounds_vpasids(void)
{
	struct xv_pasid_space *s = new_space(10);
	struct xv_pasid_vgpu *v = new_vgpu(s, 100, 3);	/* vPASIDs 1..7 */
	struct xv_pasid_vgpu *w1 = new_vgpu(s, 100, 1); /* vPASID 1 only */
	enum xv_pasid_nospc why = XV_PASID_NOSPC_NONE;
	uint32_t vp, pp;

	for (uint32_t i = 1; i <= 7; i++) {
		CU_ASSERT_EQUAL_FATAL(xv_pasid_alloc(v, &vp, &pp, &why), 0);
		CU_ASSERT_EQUAL(vp, i);
		CU_ASSERT(vp < (1u << 3));
		CU_ASSERT_EQUAL(why, XV_PASID_NOSPC_NONE);
	}
	vp = pp = 12345;
	CU_ASSERT_EQUAL(xv_pasid_alloc(v, &vp, &pp, &why), -ENOSPC);
	CU_ASSERT_EQUAL(why, XV_PASID_NOSPC_WIDTH);
	CU_ASSERT_EQUAL(vp, 12345); /* untouched on failure */
	CU_ASSERT_EQUAL(xv_pasid_vgpu_in_use(v), 7);
	CU_ASSERT_EQUAL(xv_pasid_space_in_use(s), 7);
	/* vPASIDs at or above 2^width, and 0, are not the guest's to name */
	CU_ASSERT_EQUAL(xv_pasid_lookup(v, 8, &pp), -EINVAL);
	CU_ASSERT_EQUAL(xv_pasid_lookup(v, 0, &pp), -EINVAL);
	CU_ASSERT_EQUAL(xv_pasid_free(v, 8), -EINVAL);
	CU_ASSERT_EQUAL(xv_pasid_free(v, 0), -EINVAL);
	CU_ASSERT_EQUAL(xv_pasid_free(v, UINT32_MAX), -EINVAL);

	CU_ASSERT_EQUAL(xv_pasid_alloc(w1, &vp, &pp, &why), 0);
	CU_ASSERT_EQUAL(vp, 1);
	CU_ASSERT_EQUAL(pp, 8);
	CU_ASSERT_EQUAL(xv_pasid_alloc(w1, &vp, &pp, &why), -ENOSPC);
	CU_ASSERT_EQUAL(why, XV_PASID_NOSPC_WIDTH);
	xv_pasid_vgpu_free(w1);
	xv_pasid_vgpu_free(v);
	xv_pasid_space_free(s);
}

static void test_quota(void)
{
	struct xv_pasid_space *s = new_space(10);
	struct xv_pasid_vgpu *v = new_vgpu(s, 5, 20);
	struct xv_pasid_vgpu *none = new_vgpu(s, 0, 20);
	enum xv_pasid_nospc why;
	uint32_t vp, pp;

	for (int i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(xv_pasid_alloc(v, &vp, &pp, &why), 0);
	CU_ASSERT_EQUAL(xv_pasid_alloc(v, &vp, &pp, &why), -ENOSPC);
	CU_ASSERT_EQUAL(why, XV_PASID_NOSPC_QUOTA);
	CU_ASSERT_EQUAL(xv_pasid_alloc(none, &vp, &pp, &why), -ENOSPC);
	CU_ASSERT_EQUAL(why, XV_PASID_NOSPC_QUOTA);
	/* freeing makes room again, and lowest-free keeps vPASIDs <= quota */
	CU_ASSERT_EQUAL(xv_pasid_free(v, 2), 0);
	CU_ASSERT_EQUAL(xv_pasid_alloc(v, &vp, &pp, &why), 0);
	CU_ASSERT_EQUAL(vp, 2);
	CU_ASSERT_EQUAL(pp, 2);
	/* a vPASID above the quota is within the width but never mapped */
	CU_ASSERT_EQUAL(xv_pasid_lookup(v, 6, &pp), -ENOENT);
	CU_ASSERT_EQUAL(xv_pasid_lookup(v, 1000000, &pp), -ENOENT);
	CU_ASSERT_EQUAL(xv_pasid_free(v, 1000000), -EINVAL);
	xv_pasid_vgpu_free(none);
	xv_pasid_vgpu_free(v);
	xv_pasid_space_free(s);
}

static void test_device_full(void)
{
	struct xv_pasid_space *s = new_space(4); /* pPASIDs 1..15 */
	struct xv_pasid_vgpu *a = new_vgpu(s, 10, 8);
	struct xv_pasid_vgpu *b = new_vgpu(s, 10, 8);
	enum xv_pasid_nospc why;
	uint32_t vp, pp;

	for (int i = 0; i < 10; i++)
		CU_ASSERT_EQUAL(xv_pasid_alloc(a, &vp, &pp, &why), 0);
	for (int i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(xv_pasid_alloc(b, &vp, &pp, &why), 0);
	CU_ASSERT_EQUAL(pp, 15);
	CU_ASSERT_EQUAL(vp, 5);
	CU_ASSERT_EQUAL(xv_pasid_alloc(b, &vp, &pp, &why), -ENOSPC);
	CU_ASSERT_EQUAL(why, XV_PASID_NOSPC_DEVICE);
	CU_ASSERT_EQUAL(xv_pasid_vgpu_in_use(b), 5);
	/* a frees one: b can take it */
	CU_ASSERT_EQUAL(xv_pasid_free(a, 7), 0);
	CU_ASSERT_EQUAL(xv_pasid_alloc(b, &vp, &pp, &why), 0);
	CU_ASSERT_EQUAL(vp, 6);
	CU_ASSERT_EQUAL(pp, 7);
	xv_pasid_vgpu_free(a);
	xv_pasid_vgpu_free(b);
	xv_pasid_space_free(s);
}

static void test_double_and_cross_free(void)
{
	struct xv_pasid_space *s = new_space(8);
	struct xv_pasid_vgpu *a = new_vgpu(s, 8, 8);
	struct xv_pasid_vgpu *b = new_vgpu(s, 8, 8);
	uint32_t avp, app, bvp, bpp, pp, vp;

	CU_ASSERT_EQUAL(xv_pasid_alloc(a, &avp, &app, NULL), 0);
	CU_ASSERT_EQUAL(xv_pasid_alloc(b, &bvp, &bpp, NULL), 0);
	/* b names a's pPASID: refused, a keeps it */
	CU_ASSERT_EQUAL(xv_pasid_free_ppasid(b, app), -EPERM);
	CU_ASSERT_EQUAL(xv_pasid_lookup(a, avp, &pp), 0);
	CU_ASSERT_EQUAL(pp, app);
	CU_ASSERT_EQUAL(xv_pasid_space_in_use(s), 2);
	/* reserved and out-of-range pPASIDs */
	CU_ASSERT_EQUAL(xv_pasid_free_ppasid(a, 0), -EINVAL);
	CU_ASSERT_EQUAL(xv_pasid_free_ppasid(a, 256), -EINVAL);
	CU_ASSERT_EQUAL(xv_pasid_free_ppasid(a, UINT32_MAX), -EINVAL);
	CU_ASSERT_EQUAL(xv_pasid_free_ppasid(a, 200), -EINVAL); /* free */
	/* double free by vPASID and by pPASID */
	CU_ASSERT_EQUAL(xv_pasid_free(a, avp), 0);
	CU_ASSERT_EQUAL(xv_pasid_free(a, avp), -EINVAL);
	CU_ASSERT_EQUAL(xv_pasid_free_ppasid(a, app), -EINVAL);
	CU_ASSERT_EQUAL(xv_pasid_free_ppasid(b, bpp), 0);
	CU_ASSERT_EQUAL(xv_pasid_free_ppasid(b, bpp), -EINVAL);
	CU_ASSERT_EQUAL(xv_pasid_free(b, bvp), -EINVAL);
	CU_ASSERT_EQUAL(xv_pasid_space_in_use(s), 0);
	/* the freed pPASID went back once, not twice */
	CU_ASSERT_EQUAL(xv_pasid_alloc(a, &vp, &pp, NULL), 0);
	CU_ASSERT_EQUAL(pp, 1);
	CU_ASSERT_EQUAL(xv_pasid_alloc(b, &vp, &pp, NULL), 0);
	CU_ASSERT_EQUAL(pp, 2);
	CU_ASSERT_EQUAL(xv_pasid_alloc(b, &vp, &pp, NULL), 0);
	CU_ASSERT_EQUAL(pp, 3);
	xv_pasid_vgpu_free(a);
	xv_pasid_vgpu_free(b);
	xv_pasid_space_free(s);
}

static void test_teardown(void)
{
	struct xv_pasid_space *s = new_space(10);
	struct xv_pasid_vgpu *a = new_vgpu(s, 50, 10);
	struct xv_pasid_vgpu *b = new_vgpu(s, 50, 10);
	uint32_t vp, pp;

	for (int i = 0; i < 30; i++) {
		CU_ASSERT_EQUAL(xv_pasid_alloc(a, &vp, &pp, NULL), 0);
		CU_ASSERT_EQUAL(xv_pasid_alloc(b, &vp, &pp, NULL), 0);
	}
	CU_ASSERT_EQUAL(xv_pasid_free(a, 5), 0);
	CU_ASSERT_EQUAL(xv_pasid_release_all(a), 29);
	CU_ASSERT_EQUAL(xv_pasid_vgpu_in_use(a), 0);
	CU_ASSERT_EQUAL(xv_pasid_space_in_use(s), 30);
	CU_ASSERT_EQUAL(xv_pasid_release_all(a), 0);
	for (uint32_t i = 1; i <= 30; i++)
		CU_ASSERT_EQUAL(xv_pasid_lookup(a, i, &pp), -ENOENT);
	/* b untouched */
	for (uint32_t i = 1; i <= 30; i++) {
		CU_ASSERT_EQUAL(xv_pasid_lookup(b, i, &pp), 0);
		CU_ASSERT_EQUAL(pp, 2 * i);
	}
	/* a's pPASIDs (odd ones) are free again, lowest first */
	CU_ASSERT_EQUAL(xv_pasid_alloc(a, &vp, &pp, NULL), 0);
	CU_ASSERT_EQUAL(vp, 1);
	CU_ASSERT_EQUAL(pp, 1);
	xv_pasid_vgpu_free(a); /* frees the one it holds */
	CU_ASSERT_EQUAL(xv_pasid_space_in_use(s), 30);
	xv_pasid_vgpu_free(b);
	CU_ASSERT_EQUAL(xv_pasid_space_in_use(s), 0);
	xv_pasid_space_free(s);
}

/* Every pPASID of a 20-bit device, once each, in order. */
static void test_full_space(void)
{
	struct xv_pasid_space *s = new_space(20);
	const uint32_t max = (1u << 20) - 1;
	struct xv_pasid_vgpu *a = new_vgpu(s, max, 20);
	struct xv_pasid_vgpu *b = new_vgpu(s, 1, 20);
	enum xv_pasid_nospc why;
	uint32_t vp, pp, bad = 0;
	struct xv_rng rng;

	for (uint32_t i = 1; i <= max; i++) {
		if (xv_pasid_alloc(a, &vp, &pp, NULL) || vp != i || pp != i)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(xv_pasid_space_in_use(s), max);
	CU_ASSERT_EQUAL(xv_pasid_alloc(a, &vp, &pp, &why), -ENOSPC);
	CU_ASSERT_EQUAL(why, XV_PASID_NOSPC_QUOTA);
	CU_ASSERT_EQUAL(xv_pasid_alloc(b, &vp, &pp, &why), -ENOSPC);
	CU_ASSERT_EQUAL(why, XV_PASID_NOSPC_DEVICE);
	/* free a few random ones; they come back lowest first */
	xv_rng_init(&rng, xv_test_seed("full space"));
	uint32_t picks[8];
	for (int i = 0; i < 8; i++) {
		do {
			picks[i] = 1 + (uint32_t)xv_rng_below(&rng, max);
		} while (xv_pasid_free(a, picks[i]) != 0);
	}
	for (int i = 0; i < 8; i++) /* insertion sort: expected order */
		for (int j = i; j > 0 && picks[j] < picks[j - 1]; j--) {
			uint32_t t = picks[j];
			picks[j] = picks[j - 1];
			picks[j - 1] = t;
		}
	CU_ASSERT_EQUAL(xv_pasid_alloc(b, &vp, &pp, NULL), 0);
	CU_ASSERT_EQUAL(vp, 1);
	CU_ASSERT_EQUAL(pp, picks[0]);
	for (int i = 1; i < 8; i++) {
		CU_ASSERT_EQUAL(xv_pasid_alloc(a, &vp, &pp, NULL), 0);
		CU_ASSERT_EQUAL(pp, picks[i]);
		/* b took pPASID picks[0]; a's lowest free vPASID is the
		 * lowest of its holes: one step behind */
		CU_ASSERT_EQUAL(vp, picks[i - 1]);
	}
	CU_ASSERT_EQUAL(xv_pasid_release_all(a), (int)max - 1);
	CU_ASSERT_EQUAL(xv_pasid_space_in_use(s), 1);
	xv_pasid_vgpu_free(a);
	xv_pasid_vgpu_free(b);
	xv_pasid_space_free(s);
}

/* ---- reference model ------------------------------------------------------
 * Plain arrays, linear scans: obviously right, slow, small spaces only. */
#define MODEL_BITS	7
#define MODEL_PASIDS	(1u << MODEL_BITS)
#define MODEL_VGPUS	4
#define MODEL_MAX_WIDTH 8

struct model {
	int owner[MODEL_PASIDS];      /* -1 free; PASID 0 never used */
	uint32_t vp_of[MODEL_PASIDS]; /* vPASID of an owned pPASID */
	uint32_t quota[MODEL_VGPUS];
	unsigned int width[MODEL_VGPUS];
	uint32_t v2p[MODEL_VGPUS][1u << MODEL_MAX_WIDTH]; /* 0 unmapped */
	uint32_t count[MODEL_VGPUS];
};

static int model_alloc(struct model *m, int g, uint32_t *vp, uint32_t *pp,
		       enum xv_pasid_nospc *why)
{
	uint32_t v = 0, p = 0;

	if (m->count[g] >= m->quota[g]) {
		*why = XV_PASID_NOSPC_QUOTA;
		return -ENOSPC;
	}
	for (uint32_t i = 1; i < (1u << m->width[g]) && !v; i++)
		if (!m->v2p[g][i])
			v = i;
	if (!v) {
		*why = XV_PASID_NOSPC_WIDTH;
		return -ENOSPC;
	}
	for (uint32_t i = 1; i < MODEL_PASIDS && !p; i++)
		if (m->owner[i] < 0)
			p = i;
	if (!p) {
		*why = XV_PASID_NOSPC_DEVICE;
		return -ENOSPC;
	}
	m->v2p[g][v] = p;
	m->owner[p] = g;
	m->vp_of[p] = v;
	m->count[g]++;
	*vp = v;
	*pp = p;
	*why = XV_PASID_NOSPC_NONE;
	return 0;
}

static int model_free_v(struct model *m, int g, uint32_t v)
{
	uint32_t p;

	if (v == 0 || v >= (1u << m->width[g]) || !m->v2p[g][v])
		return -EINVAL;
	p = m->v2p[g][v];
	m->v2p[g][v] = 0;
	m->owner[p] = -1;
	m->count[g]--;
	return 0;
}

static int model_free_p(struct model *m, int g, uint32_t p)
{
	if (p == 0 || p >= MODEL_PASIDS || m->owner[p] < 0)
		return -EINVAL;
	if (m->owner[p] != g)
		return -EPERM;
	return model_free_v(m, g, m->vp_of[p]);
}

static int model_release(struct model *m, int g)
{
	int n = 0;

	for (uint32_t v = 1; v < (1u << m->width[g]); v++)
		if (m->v2p[g][v]) {
			model_free_v(m, g, v);
			n++;
		}
	return n;
}

/* Random vPASID: mostly plausible, sometimes reserved or out of range. */
static uint32_t pick_vpasid(struct xv_rng *rng, unsigned int width)
{
	switch (xv_rng_below(rng, 10)) {
	case 0:
		return 0;
	case 1:
		return (1u << width) + (uint32_t)xv_rng_below(rng, 3);
	default:
		return 1 + (uint32_t)xv_rng_below(rng, (1u << width) - 1);
	}
}

static void test_model_random(void)
{
	static struct model m; /* 20 KiB: keep it off the stack */
	struct xv_pasid_space *s = new_space(MODEL_BITS);
	struct xv_pasid_vgpu *v[MODEL_VGPUS];
	unsigned long steps = xv_test_steps(20000);
	struct xv_rng rng;
	unsigned long mismatches = 0;

	xv_rng_init(&rng, xv_test_seed("pasid model"));
	memset(&m, 0, sizeof(m));
	for (uint32_t p = 0; p < MODEL_PASIDS; p++)
		m.owner[p] = -1;
	for (int g = 0; g < MODEL_VGPUS; g++) {
		/* widths 1..8, quotas 0..300: some bounded by the width, some
		 * by the quota, together more than the device (127) */
		m.width[g] = 1 + (unsigned int)xv_rng_below(&rng, 8);
		if (g == 0)
			m.width[g] = MODEL_MAX_WIDTH; /* one roomy vGPU */
		m.quota[g] = (uint32_t)xv_rng_below(&rng, 301);
		v[g] = new_vgpu(s, m.quota[g], m.width[g]);
	}

	for (unsigned long step = 0; step < steps && !mismatches; step++) {
		int g = (int)xv_rng_below(&rng, MODEL_VGPUS);
		uint32_t x, rvp = 0, rpp = 0, mvp = 0, mpp = 0;
		enum xv_pasid_nospc rwhy, mwhy;
		int rrc, mrc;
		uint64_t op = xv_rng_below(&rng, 100);

		if (op < 50) { /* alloc, biased so spaces fill */
			rrc = xv_pasid_alloc(v[g], &rvp, &rpp, &rwhy);
			mrc = model_alloc(&m, g, &mvp, &mpp, &mwhy);
			if (rrc != mrc || rwhy != mwhy ||
			    (!rrc && (rvp != mvp || rpp != mpp)))
				mismatches++;
		} else if (op < 75) { /* free by vPASID, maybe a wrong one */
			x = pick_vpasid(&rng, m.width[g]);
			if (xv_pasid_free(v[g], x) != model_free_v(&m, g, x))
				mismatches++;
		} else if (op < 90) { /* free by pPASID: any owner, any value */
			x = (uint32_t)xv_rng_below(&rng, MODEL_PASIDS + 2);
			if (xv_pasid_free_ppasid(v[g], x) !=
			    model_free_p(&m, g, x))
				mismatches++;
		} else if (op < 99) { /* lookup and reverse */
			x = pick_vpasid(&rng, m.width[g]);
			rrc = xv_pasid_lookup(v[g], x, &rpp);
			mrc = (x == 0 || x >= (1u << m.width[g])) ? -EINVAL
			      : m.v2p[g][x]			  ? 0
								  : -ENOENT;
			if (rrc != mrc || (!rrc && rpp != m.v2p[g][x]))
				mismatches++;
			x = (uint32_t)xv_rng_below(&rng, MODEL_PASIDS + 2);
			rrc = xv_pasid_reverse(v[g], x, &rvp);
			mrc = (x == 0 || x >= MODEL_PASIDS || m.owner[x] < 0)
				  ? -EINVAL
			      : m.owner[x] != g ? -EPERM
						: 0;
			if (rrc != mrc || (!rrc && rvp != m.vp_of[x]))
				mismatches++;
		} else { /* teardown of one vGPU */
			if (xv_pasid_release_all(v[g]) != model_release(&m, g))
				mismatches++;
		}
		/* counts after every step */
		uint32_t total = 0;
		for (int i = 0; i < MODEL_VGPUS; i++) {
			total += m.count[i];
			if (xv_pasid_vgpu_in_use(v[i]) != m.count[i])
				mismatches++;
		}
		if (xv_pasid_space_in_use(s) != total)
			mismatches++;
		if (mismatches)
			printf("  mismatch at step %lu (op %u, vgpu %d)\n",
			       step, (unsigned int)op, g);
	}
	CU_ASSERT_EQUAL(mismatches, 0);
	/* full state at the end: every mapping agrees */
	for (int g = 0; g < MODEL_VGPUS; g++)
		for (uint32_t x = 1; x < (1u << m.width[g]); x++) {
			uint32_t pp = 0;
			int rc = xv_pasid_lookup(v[g], x, &pp);

			CU_ASSERT_EQUAL(rc, m.v2p[g][x] ? 0 : -ENOENT);
			CU_ASSERT_EQUAL(pp, m.v2p[g][x]);
		}
	for (int g = 0; g < MODEL_VGPUS; g++)
		xv_pasid_vgpu_free(v[g]);
	CU_ASSERT_EQUAL(xv_pasid_space_in_use(s), 0);
	xv_pasid_space_free(s);
}

/* ---- threads: ring workers of several vGPUs at once ----------------------- */
#define THREADS	       4
#define THREAD_ROUNDS  5000
#define THREAD_HOLDING 32

struct worker {
	struct xv_pasid_vgpu *vgpu;
	uint32_t held[THREAD_HOLDING];
	int errors;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	uint32_t vp, pp;

	for (int r = 0; r < THREAD_ROUNDS; r++) {
		int slot = r % THREAD_HOLDING;

		if (w->held[slot]) {
			if (xv_pasid_free(w->vgpu, w->held[slot]))
				w->errors++;
			w->held[slot] = 0;
		}
		if (xv_pasid_alloc(w->vgpu, &vp, &pp, NULL)) {
			w->errors++;
			continue;
		}
		w->held[slot] = vp;
	}
	return NULL;
}

static void test_threads(void)
{
	struct xv_pasid_space *s = new_space(10);
	struct worker w[THREADS];
	pthread_t t[THREADS];
	bool seen[1u << 10] = {false};
	int dup = 0;

	memset(w, 0, sizeof(w));
	for (int i = 0; i < THREADS; i++) {
		w[i].vgpu = new_vgpu(s, THREAD_HOLDING, 10);
		CU_ASSERT_FATAL(
		    pthread_create(&t[i], NULL, worker_run, &w[i]) == 0);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	/* no pPASID handed to two vGPUs, every held vPASID still maps */
	for (int i = 0; i < THREADS; i++) {
		CU_ASSERT_EQUAL(w[i].errors, 0);
		for (int j = 0; j < THREAD_HOLDING; j++) {
			uint32_t pp = 0;

			if (!w[i].held[j])
				continue;
			CU_ASSERT_EQUAL(
			    xv_pasid_lookup(w[i].vgpu, w[i].held[j], &pp), 0);
			if (seen[pp])
				dup++;
			seen[pp] = true;
		}
	}
	CU_ASSERT_EQUAL(dup, 0);
	CU_ASSERT_EQUAL(xv_pasid_space_in_use(s), THREADS * THREAD_HOLDING);
	for (int i = 0; i < THREADS; i++)
		xv_pasid_vgpu_free(w[i].vgpu);
	xv_pasid_space_free(s);
}

static const struct xv_test_case pasid_cases[] = {
    {"bad parameters rejected", test_bad_parameters},
    {"lowest free first, PASID 0 never", test_lowest_free_order},
    {"two vGPUs: own vPASIDs, shared pPASIDs", test_two_vgpus_mapping},
    {"Max PASID Width bounds vPASIDs", test_width_bounds_vpasids},
    {"quota", test_quota},
    {"device full", test_device_full},
    {"double free and cross-vGPU free", test_double_and_cross_free},
    {"teardown frees all", test_teardown},
    {"all 2^20-1 PASIDs", test_full_space},
    {"randomized against reference model", test_model_random},
    {"concurrent vGPUs", test_threads},
    {NULL, NULL},
};

static const struct xv_test_suite pasid_suite = {
    .name = "pasid",
    .cases = pasid_cases,
};

int main(void)
{
	static const struct xv_test_suite *const suites[] = {&pasid_suite,
							     NULL};

	return xv_test_main(suites);
}
