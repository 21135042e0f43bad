/*
 * gensurvey: writes a large, realistic set of workshop records for
 * benchmarks and scale tests, fast and deterministically.
 *
 *   gensurvey DIR COUNT [--invalid PERCENT] [--seed N] [--devices N]
 *
 * Writes COUNT workshop records (about 1.3 KB each) of casting workshops in
 * the Mỹ Đồng area under DIR/records/workshop/<device>/<NNN>/<id>.yaml (the
 * path khaosat's own ks_record_relpath gives), in khaosat's canonical form
 * (keys in schema order, two-space indent, strings quoted when a YAML
 * reader would see another type).  Record i belongs to device d01..dNN
 * (i modulo the number of devices, 50 by default) and has that device's
 * counter i / devices + 1, so ids look like d07-0042.
 *
 * Tax codes are unique across the survey (up to ten million records) and
 * have a correct check digit (10 digits: weights 31 29 23 19 17 13 7 5 3,
 * N10 = 10 - sum mod 11); household businesses may have a 12-digit personal
 * id number instead, or none.  Phones are 10-digit mobiles or 11-digit
 * Hải Phòng landlines (0225...).
 *
 * With --invalid PERCENT, that share of the records (chosen by the seed)
 * gets exactly one schema error: a negative worker count, a bad enum value,
 * a founding year below the minimum, a location in an industrial cluster
 * without its name, or a missing required field.  Their ids are printed on
 * standard error when --list-invalid is given.
 *
 * The same seed, count and options always give the same bytes.  Prints
 * "N records (K invalid), B bytes" on standard output.  Exit 0, 1 on an I/O
 * error, 2 on a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "alloc.h"
#include "repo.h"

#define N_ELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- randomness: splitmix64, one stream per record ---- */

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix64(r->s);
}

/* A number in [lo, hi]. */
static long range(struct rng *r, long lo, long hi)
{
	return lo + (long)(rnd(r) % (uint64_t)(hi - lo + 1));
}

/* 1 with probability pct percent. */
static int chance(struct rng *r, int pct)
{
	return (long)(rnd(r) % 100) < pct;
}

#define PICK(r, a) ((a)[rnd(r) % N_ELEM(a)])

/* ---- output buffer ---- */

static char out[16384];
static size_t outlen;

static void put(const char *s)
{
	size_t n = strlen(s);

	if (outlen + n < sizeof(out)) {
		memcpy(out + outlen, s, n);
		outlen += n;
	}
}

static void putf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void putf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out + outlen, sizeof(out) - outlen, fmt, ap);
	va_end(ap);
	if (n > 0 && outlen + (size_t)n < sizeof(out))
		outlen += (size_t)n;
}

/* ---- domain data ---- */

static const char *const surnames[] = {
	"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đỗ", "Bùi",
	"Đặng", "Ngô", "Dương", "Lương", "Đào", "Mạc", "Hà", "Phan",
};
static const char *const male_middle[] = {
	"Văn", "Đức", "Minh", "Quang", "Hữu", "Xuân", "Thanh", "Công",
};
static const char *const female_middle[] = {
	"Thị", "Thị", "Thu", "Ngọc", "Thanh", "Minh",
};
static const char *const male_given[] = {
	"Hưng", "Tuấn", "Khang", "Thịnh", "Minh", "Tư", "Dũng", "Cường",
	"Hải", "Long", "Sơn", "Thắng", "Toàn", "Quý", "Nam", "Bình",
	"Hùng", "Trung", "Phúc", "Đạt",
};
static const char *const female_given[] = {
	"Hoa", "Hương", "Lan", "Mai", "Hằng", "Thủy", "Nga", "Huyền",
	"Linh", "Yến", "Thảo", "Dung",
};
static const char *const brands[] = {
	"Hưng Phát", "Minh Khang", "Phương Mỹ", "Thành Đạt", "Tiến Thành",
	"Đức Thịnh", "An Phú", "Hoàng Long", "Việt Tiến", "Tân Tiến",
	"Phú Cường", "Thịnh Vượng", "Bảo An", "Kiền Bái", "Trường Sơn",
	"Nam Việt", "Đại Phát", "Hòa Bình", "Quang Minh", "Hải Đăng",
};

struct legal {
	const char *value;
	const char *prefix;	/* of the workshop's name */
	int weight;		/* in percent */
	int company;		/* tax code required, 10 digits */
};

static const struct legal legals[] = {
	{ "ho_kinh_doanh", "Hộ kinh doanh", 55, 0 },
	{ "doanh_nghiep_tnhh", "Công ty TNHH", 20, 1 },
	{ "to_hop_tac", "Tổ hợp tác", 8, 0 },
	{ "doanh_nghiep_co_phan", "Công ty cổ phần", 6, 1 },
	{ "doanh_nghiep_tu_nhan", "Doanh nghiệp tư nhân", 6, 1 },
	{ "hop_tac_xa", "Hợp tác xã", 5, 1 },
};

static const char *const company_trades[] = {
	"Cơ khí đúc", "Đúc", "Đúc và Cơ khí", "Cơ khí", "Sản xuất và Thương mại",
	"Đúc gang",
};

struct place {
	const char *commune;
	const char *code;
	const char *kind;	/* "xã" or "phường" */
	const char *village_word;	/* "Thôn" or "Tổ dân phố" */
};

/* Before 1/1/2025: xã of huyện Thủy Nguyên (DOMAIN.md §3.1). */
static const struct place old_places[] = {
	{ "Mỹ Đồng", "11521", "xã", "Thôn" },
	{ "Mỹ Đồng", "11521", "xã", "Thôn" },
	{ "Mỹ Đồng", "11521", "xã", "Thôn" },
	{ "Kiền Bái", "11554", "xã", "Thôn" },
	{ "Thiên Hương", "11557", "xã", "Thôn" },
};

/* From 1/7/2025 (QĐ 19/2025/QĐ-TTg): no district level. */
static const struct place new_places[] = {
	{ "Thiên Hương", "11557", "phường", "Tổ dân phố" },
	{ "Thiên Hương", "11557", "phường", "Tổ dân phố" },
	{ "Thủy Nguyên", "11560", "phường", "Tổ dân phố" },
	{ "Lưu Kiếm", "11488", "phường", "Tổ dân phố" },
	{ "Hòa Bình", "11533", "phường", "Tổ dân phố" },
};

static const char *const streets[] = {
	"Đường tỉnh 352", "Đường trục xã", "Đường liên thôn", "Quốc lộ 10",
	"Đường Kiền Bái",
};

static const char *const trade_mains[] = {
	"Đúc gang", "Đúc gang", "Đúc gang cầu", "Đúc đồng mỹ nghệ",
	"Gia công cơ khí sau đúc", "Đúc nhôm",
};

struct product {
	const char *name, *material, *use;
};

static const struct product products[] = {
	{ "Nắp cống, ghi gang", "gang_xam", "Hạ tầng đô thị" },
	{ "Đối trọng máy giặt", "gang_xam", "Đối trọng máy giặt" },
	{ "Puly thang máy", "gang_cau", "Phụ tùng thang máy" },
	{ "Bánh đà, vỏ hộp số", "gang_xam", "Phụ tùng máy" },
	{ "Thân bơm nước", "gang_xam", "Phụ tùng máy bơm" },
	{ "Nồi, chảo gang", "gang", "Đồ gia dụng" },
	{ "Lư hương, chuông đồng", "dong", "Đồ thờ cúng, mỹ nghệ" },
	{ "Mặt bích, khớp nối ống", "gang_cau", "Phụ kiện đường ống cấp nước" },
	{ "Ghi lò, mặt bếp gang", "gang_xam", "Đồ gia dụng" },
	{ "Phụ tùng máy nông nghiệp", "gang_xam", "Phụ tùng máy" },
	{ "Vỏ động cơ điện", "nhom", "Phụ tùng máy" },
	{ "Bi nghiền thép", "thep", "Phụ tùng máy nghiền" },
};

static const char *const countries[] = {
	"Hoa Kỳ", "Nhật Bản", "Hàn Quốc", "Úc", "Tây Ban Nha", "Lào",
	"Campuchia", "Đài Loan",
};

struct machine {
	const char *name, *kind, *model, *capacity, *origin;
	long value_lo, value_hi;	/* millions of đồng */
};

static const struct machine machines[] = {
	{ "Lò trung tần 1 tấn", "lo_trung_tan", "KGPS-750", "1 tấn/mẻ",
	  "Trung Quốc", 600, 900 },
	{ "Lò trung tần 500 kg", "lo_trung_tan", "KGPS-350", "500 kg/mẻ",
	  "Trung Quốc", 350, 500 },
	{ "Lò cupola", "lo_cupola", NULL, "2 tấn/giờ", "Việt Nam", 120, 200 },
	{ "Máy bắn bi tang trống", "may_ban_bi", "Q326", "200 kg/mẻ",
	  "Trung Quốc", 150, 250 },
	{ "Máy làm khuôn ép rung", "may_lam_khuon", "Z148", "40 khuôn/giờ",
	  "Trung Quốc", 600, 900 },
	{ "Cầu trục 3 tấn", "cau_truc", NULL, "3 tấn", "Việt Nam", 250, 450 },
	{ "Máy tiện CNC", "may_cnc", "CK6140", "Phôi 400 mm", "Đài Loan",
	  700, 1200 },
	{ "Hệ thống xử lý cát", "he_thong_xu_ly_cat", "S114-10",
	  "10 tấn cát/giờ", "Trung Quốc", 1200, 2600 },
};

static const char *const fundings[] = {
	"tu_co", "tu_co", "tu_co", "vay", "khuyen_cong",
};

static const char *const sources[] = {
	"bui", "khi_thai_lo", "tieng_on_rung", "nuoc_thai", "xi_lo",
	"cat_khuon_thai",
};
static const int source_pct[] = { 95, 80, 60, 10, 70, 50 };

static const char *const measures[] = {
	"ong_khoi", "cyclone", "loc_bui_tui", "buong_ban_bi_kin",
	"xu_ly_nuoc_thai",
};
static const int measure_pct[] = { 70, 25, 20, 15, 5 };

static const char *const complaints[] = {
	"Hộ dân liền kề phản ánh khói lò vào buổi sáng.",
	"Tiếng ồn máy bắn bi vào giờ nghỉ trưa.",
	"Bụi cát khuôn bay sang nhà bên cạnh khi dỡ khuôn.",
};

static const char *const one_line_notes[] = {
	"Chủ cơ sở đề nghị hỗ trợ chuyển từ lò cupola sang lò trung tần.",
	"Cơ sở đang xin thuê đất trong cụm công nghiệp.",
	"Sản lượng giảm so với năm trước do thiếu đơn hàng xuất khẩu.",
	"Đã tham gia lớp tập huấn an toàn lao động của Trung tâm Khuyến công.",
};

static const char *const surveyors[] = {
	"Nguyễn Thị Hoa", "Trần Văn Minh", "Lê Thu Hằng", "Phạm Quang Huy",
	"Vũ Ngọc Lan", "Đỗ Đức Anh", "Bùi Thanh Hà", "Hoàng Minh Tú",
	"Đặng Thị Yến", "Ngô Xuân Trường",
};

/* ---- identifiers ---- */

static const int mst_weights[9] = { 31, 29, 23, 19, 17, 13, 7, 5, 3 };

/*
 * A 10-digit tax code for record `i`, unique over i < 9,999,999: the
 * province of issue (02, Hải Phòng) and a sequence that is a bijection of
 * i.  When no check digit fits (sum mod 11 == 0), the next province code is
 * tried; other records never use those, so codes stay unique.
 */
static void tax_code10(char *buf, unsigned long i)
{
	static const char *const provs[] = { "02", "01", "03", "04", "05" };
	unsigned long seq = 1 + (unsigned long)((1000003ULL * i + 4242424ULL) %
						 9999999ULL);
	size_t p;

	for (p = 0; p < N_ELEM(provs); p++) {
		int k, sum = 0;

		snprintf(buf, 11, "%s%07lu", provs[p], seq);
		for (k = 0; k < 9; k++)
			sum += (buf[k] - '0') * mst_weights[k];
		if (sum % 11 == 0)
			continue;
		buf[9] = (char)('0' + 10 - sum % 11);
		buf[10] = '\0';
		return;
	}
	abort();	/* five provinces cannot all have r == 0 */
}

/*
 * A 12-digit personal id (CCCD): 031 (born in Hải Phòng), century and sex,
 * the two digits of the birth year, six digits unique over i < 1,000,000.
 */
static void cccd(char *buf, unsigned long i, long birth_year, int female)
{
	unsigned long serial = (unsigned long)((7919ULL * i + 123457ULL) %
						1000000ULL);
	int cs = (birth_year >= 2000 ? 2 : 0) + (female ? 1 : 0);

	snprintf(buf, 13, "031%d%02ld%06lu", cs, birth_year % 100, serial);
}

static void phone(char *buf, struct rng *r)
{
	static const char *const mobile[] = {
		"032", "033", "034", "035", "036", "037", "038", "039", "086",
		"096", "097", "098", "070", "079", "077", "076", "078", "089",
		"090", "093", "083", "084", "085", "081", "082", "088", "091",
		"094", "056", "058",
	};

	if (chance(r, 15))
		snprintf(buf, 16, "0225%07ld", range(r, 3000000, 9999999));
	else
		snprintf(buf, 16, "%s%07ld", PICK(r, mobile),
			 range(r, 0, 9999999));
}

/* ---- one record ---- */

enum fault {
	FAULT_NONE,
	FAULT_NEGATIVE_WORKERS,
	FAULT_BAD_ENUM,
	FAULT_OLD_YEAR,
	FAULT_CLUSTER_NO_NAME,
	FAULT_NO_SURVEYOR,
	FAULT_COUNT
};

static void person(char *buf, size_t n, struct rng *r, int female)
{
	if (female)
		snprintf(buf, n, "%s %s %s", PICK(r, surnames),
			 PICK(r, female_middle), PICK(r, female_given));
	else
		snprintf(buf, n, "%s %s %s", PICK(r, surnames),
			 PICK(r, male_middle), PICK(r, male_given));
}

/* A day between the first of (y0, m0) and the 28th of (y1, m1). */
static void date(char buf[16], struct rng *r, int y0, int m0, int y1, int m1)
{
	long months = (y1 - y0) * 12L + (m1 - m0);
	long k = range(r, 0, months);
	unsigned y = (unsigned)(y0 + (m0 - 1 + k) / 12) % 10000;
	unsigned m = (unsigned)((m0 - 1 + k) % 12) + 1;

	snprintf(buf, 16, "%04u-%02u-%02u", y, m, (unsigned)range(r, 1, 28));
}

static void gen_record(unsigned long i, unsigned ndev, uint64_t seed,
		       enum fault fault)
{
	struct rng r = { mix64(seed ^ mix64(i + 1)) };
	unsigned dev = (unsigned)(i % ndev) + 1;
	unsigned long counter = i / ndev + 1;
	const struct legal *lt = &legals[0];
	const struct place *pl;
	char rep[96], tax[16], tel[16], day[16];
	long w, p, birth, founded, regular, seasonal;
	int female, modern, nprod, nmach, k;
	size_t a, b;

	outlen = 0;
	/* legal type by weight */
	w = range(&r, 0, 99);
	for (a = 0; a < N_ELEM(legals); a++) {
		if (w < legals[a].weight) {
			lt = &legals[a];
			break;
		}
		w -= legals[a].weight;
	}
	female = chance(&r, 30);
	person(rep, sizeof(rep), &r, female);
	birth = range(&r, 1955, 1995);
	founded = range(&r, 1985, 2022);
	/* a third of the visits are after the 2025 reform */
	modern = chance(&r, 33);
	pl = modern ? &PICK(&r, new_places) : &PICK(&r, old_places);

	putf("id: d%02u-%04lu\n", dev, counter);
	if (!strcmp(lt->value, "ho_kinh_doanh"))
		putf("name: %s %s\n", lt->prefix, rep);
	else if (!strcmp(lt->value, "to_hop_tac") ||
		 !strcmp(lt->value, "hop_tac_xa"))
		putf("name: %s đúc %s %s\n", lt->prefix, pl->commune,
		     (const char *)PICK(&r, brands));
	else
		putf("name: %s %s %s\n", lt->prefix, PICK(&r, company_trades),
		     (const char *)PICK(&r, brands));
	putf("legal_type: %s\n",
	     fault == FAULT_BAD_ENUM ? "cong_ty_tnhh" : lt->value);
	if (lt->company || chance(&r, 50)) {
		tax_code10(tax, i);
		putf("tax_code: \"%s\"\n", tax);
	} else if (chance(&r, 60) && i < 1000000) {
		cccd(tax, i, birth, female);
		putf("tax_code: \"%s\"\n", tax);
	}
	putf("representative:\n  name: %s\n", rep);
	if (lt->company)
		putf("  position: %s\n",
		     !strcmp(lt->value, "hop_tac_xa") ? "Chủ nhiệm HTX" :
							 "Giám đốc");
	else
		put("  position: Chủ hộ\n");
	putf("  birth_year: %ld\n", birth);
	phone(tel, &r);
	putf("phone: \"%s\"\n", tel);

	k = (int)range(&r, 1, 12);
	put("address:\n");
	if (chance(&r, 25))
		putf("  street: %s\n", (const char *)PICK(&r, streets));
	putf("  village: %s %d\n", pl->village_word, k);
	putf("  commune_name: %s\n  commune_code: \"%s\"\n", pl->commune,
	     pl->code);
	if (!modern)
		put("  district_name: Thủy Nguyên\n  district_code: \"311\"\n");
	put("  province_name: Hải Phòng\n  province_code: \"31\"\n");
	putf("  admin_catalog_version: %s\n",
	     modern ? "qd19_2025_07" : "pre_2025_01");
	/* the address as written is noted on a third of the forms */
	if (!chance(&r, 35))
		;
	else if (modern)
		putf("  full_text: %s %d, phường %s, TP Hải Phòng\n",
		     pl->village_word, k, pl->commune);
	else
		putf("  full_text: %s %d, xã %s, huyện Thủy Nguyên, TP Hải Phòng\n",
		     pl->village_word, k, pl->commune);

	put("trade_group: do_go_gom_su_det_may_co_khi_nho\n");
	putf("main_trade: %s\n", (const char *)PICK(&r, trade_mains));
	putf("year_founded: %ld\n", fault == FAULT_OLD_YEAR ? 1850L : founded);
	regular = lt->company ? range(&r, 12, 120) : range(&r, 2, 15);
	seasonal = range(&r, 0, regular / 3 + 2);
	putf("workers:\n  regular: %ld\n  seasonal: %ld\n  insured: %ld\n",
	     fault == FAULT_NEGATIVE_WORKERS ? -3L : regular, seasonal,
	     lt->company ? range(&r, regular / 2, regular) : range(&r, 0, 2));
	putf("annual_revenue: %ld00000000\n",
	     lt->company ? range(&r, 50, 1000) : range(&r, 5, 60));
	putf("floor_area: %ld\n",
	     lt->company ? range(&r, 8, 90) * 100 : range(&r, 12, 60) * 10);

	put("location:\n");
	p = range(&r, 0, 99);
	if (fault == FAULT_CLUSTER_NO_NAME)
		put("  kind: cum_cong_nghiep\n");
	else if (p < (lt->company ? 40 : 85))
		put("  kind: khu_dan_cu\n");
	else if (p < 92)
		put("  kind: diem_cong_nghiep\n  name: Điểm công nghiệp Kiền Bái\n");
	else
		put("  kind: cum_cong_nghiep\n  name: Cụm công nghiệp Mỹ Đồng\n");
	putf("association_member: %s\n", chance(&r, 70) ? "true" : "false");

	/* one or two distinct products */
	nprod = lt->company && chance(&r, 35) ? 2 : 1;
	a = rnd(&r) % N_ELEM(products);
	b = (a + 1 + rnd(&r) % (N_ELEM(products) - 1)) % N_ELEM(products);
	put("products:\n");
	for (k = 0; k < nprod; k++) {
		const struct product *pr = &products[k ? b : a];
		long m = range(&r, 0, 99);

		putf("  - name: %s\n    material: %s\n    use: %s\n", pr->name,
		     pr->material, pr->use);
		if (m < 75 || !lt->company) {
			put("    market: noi_dia\n");
		} else {
			size_t c = rnd(&r) % N_ELEM(countries);

			putf("    market: %s\n    export_countries:\n      - %s\n",
			     m < 85 ? "xuat_khau" : "ca_hai", countries[c]);
			if (chance(&r, 30))
				putf("      - %s\n",
				     countries[(c + 1) % N_ELEM(countries)]);
		}
		putf("    output_tonnes_per_year: %ld\n",
		     lt->company ? range(&r, 10, 140) * 10 : range(&r, 5, 300));
	}

	/* none, one or two distinct machines */
	if (lt->company)
		nmach = chance(&r, 30) ? 2 : 1;
	else
		nmach = chance(&r, 40);
	a = rnd(&r) % N_ELEM(machines);
	b = (a + 1 + rnd(&r) % (N_ELEM(machines) - 1)) % N_ELEM(machines);
	if (nmach)
		put("machinery:\n");
	for (k = 0; k < nmach; k++) {
		const struct machine *mc = &machines[k ? b : a];

		putf("  - name: %s\n    kind: %s\n", mc->name, mc->kind);
		if (mc->model)
			putf("    model: %s\n", mc->model);
		putf("    capacity: %s\n    origin: %s\n    year: %ld\n",
		     mc->capacity, mc->origin,
		     range(&r, founded > 2000 ? founded : 2000, 2024));
		putf("    value: %ld000000\n",
		     range(&r, mc->value_lo, mc->value_hi));
		putf("    funding: %s\n", (const char *)PICK(&r, fundings));
	}

	put("pollution:\n  sources:\n");
	/* dust always: every casting workshop has some */
	for (a = 0; a < N_ELEM(sources); a++)
		if (a == 0 || chance(&r, source_pct[a]))
			putf("    - %s\n", sources[a]);
	put("  measures:\n");
	for (a = 0, k = 0; a < N_ELEM(measures); a++)
		if (chance(&r, measure_pct[a])) {
			putf("    - %s\n", measures[a]);
			k++;
		}
	if (!k)
		put("    - khong_co\n");
	if (lt->company || chance(&r, 40)) {
		putf("  permit:\n    kind: %s\n",
		     lt->company ? "giay_phep_moi_truong" : "dang_ky_moi_truong");
		if (lt->company) {
			putf("    number: %ld/GPMT-UBND\n", range(&r, 1, 99));
			date(day, &r, 2022, 1, 2024, 12);
			putf("    date: \"%s\"\n", day);
		}
	}
	putf("  distance_to_residential_m: %ld\n",
	     lt->company ? range(&r, 5, 60) * 10 : range(&r, 2, 30));
	if (chance(&r, 10))
		putf("  complaints: %s\n", (const char *)PICK(&r, complaints));

	if (chance(&r, 8)) {
		long y = range(&r, 2015, 2024), inv = range(&r, 5, 90) * 100;
		long sup = inv * range(&r, 20, 50) / 100;

		put("support:\n  - programme: kcdp\n");
		putf("    year: %ld\n", y);
		put("    project: Hỗ trợ ứng dụng máy móc thiết bị tiên tiến trong sản xuất đúc kim loại\n");
		put("    support_kind: mo_hinh_trinh_dien_may_moc\n");
		putf("    decision:\n      number: %ld/QĐ-SCT\n",
		     range(&r, 100, 999));
		date(day, &r, (int)y, 1, (int)y, 4);
		putf("      date: \"%s\"\n      issuer: Sở Công Thương Hải Phòng\n",
		     day);
		putf("    total_investment: %ld00000\n", inv);
		putf("    support_amount: %ld00000\n", sup);
		putf("    matching_funds: %ld00000\n", inv - sup);
		date(day, &r, (int)y, 9, (int)y, 12);
		putf("    completed_on: \"%s\"\n", day);
	}

	if (modern)
		date(day, &r, 2025, 7, 2026, 11);
	else
		date(day, &r, 2024, 1, 2024, 12);
	putf("surveyed_at: \"%s\"\n", day);
	if (fault != FAULT_NO_SURVEYOR)
		putf("surveyor: %s\n", surveyors[(dev - 1) % N_ELEM(surveyors)]);
	p = range(&r, 0, 99);
	if (p < 10)
		putf("notes: %s\n", (const char *)PICK(&r, one_line_notes));
	else if (p < 14)
		putf("notes: |-\n  %s\n  %s\n", one_line_notes[0],
		     (const char *)PICK(&r, complaints));
}

/* ---- files ---- */

/* mkdir -p for a path under an existing root; `path` is modified and restored. */
static int mkdirs(char *path)
{
	char *s;

	for (s = path + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(path, 0777) < 0 && errno != EEXIST) {
			fprintf(stderr, "gensurvey: cannot create '%s': %s\n",
				path, strerror(errno));
			*s = '/';
			return -1;
		}
		*s = '/';
	}
	if (mkdir(path, 0777) < 0 && errno != EEXIST) {
		fprintf(stderr, "gensurvey: cannot create '%s': %s\n", path,
			strerror(errno));
		return -1;
	}
	return 0;
}

static int write_all(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);

	if (fd < 0)
		goto fail;
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			goto fail;
		}
		data += n;
		len -= (size_t)n;
	}
	if (close(fd) < 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "gensurvey: cannot write '%s': %s\n", path,
		strerror(errno));
	return -1;
}

/* Generates record `i` and writes it where it belongs. */
static int write_record(const char *dir, unsigned long i, unsigned ndev,
			uint64_t seed, unsigned long long invalid,
			int list_invalid, unsigned long *nbad,
			unsigned long long *bytes)
{
	static char lastdir[4096];
	char path[4096], id[32], *slash, *rel;
	int n;
	unsigned dev = (unsigned)(i % ndev) + 1;
	unsigned long counter = i / ndev + 1;
	enum fault fault = FAULT_NONE;
	uint64_t h = mix64(seed * 0x2545f4914f6cdd1dULL ^ mix64(~(uint64_t)i));

	/* the faulty records and their faults depend on the seed only */
	if (h % 10000 < invalid * 100) {
		fault = (enum fault)(1 + (h / 10000) % (FAULT_COUNT - 1));
		(*nbad)++;
	}
	gen_record(i, ndev, seed, fault);
	snprintf(id, sizeof(id), "d%02u-%04lu", dev, counter);
	/* where khaosat itself puts the record */
	rel = ks_record_relpath("workshop", id);
	if (!rel) {
		fprintf(stderr, "gensurvey: no path for '%s'\n", id);
		return -1;
	}
	n = snprintf(path, sizeof(path), "%s/%s", dir, rel);
	ks_free(rel);
	if (n < 0 || n >= (int)sizeof(path)) {
		fprintf(stderr, "gensurvey: '%s': path too long\n", dir);
		return -1;
	}
	slash = strrchr(path, '/');
	*slash = '\0';
	if (strcmp(path, lastdir)) {
		if (mkdirs(path) < 0)
			return -1;
		snprintf(lastdir, sizeof(lastdir), "%s", path);
	}
	*slash = '/';
	if (write_all(path, out, outlen) < 0)
		return -1;
	*bytes += outlen;
	if (fault && list_invalid)
		fprintf(stderr, "%s\n", id);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: gensurvey DIR COUNT [--invalid PERCENT] [--seed N] [--devices N] [--list-invalid]\n");
	return 2;
}

static int number(const char *s, unsigned long long max,
		  unsigned long long *val)
{
	char *end;

	errno = 0;
	*val = strtoull(s, &end, 10);
	return errno || end == s || *end || *val > max || *s == '-' ? -1 : 0;
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *count_s = NULL;
	unsigned long long count = 0, invalid = 0, seed = 1, ndev = 50, v;
	unsigned long i, d, nbad = 0;
	unsigned long long bytes = 0;
	int list_invalid = 0, a;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--invalid") || !strcmp(argv[a], "--seed") ||
		    !strcmp(argv[a], "--devices")) {
			if (a + 1 >= argc)
				return usage();
			if (number(argv[a + 1],
				   argv[a][2] == 'i' ? 100 :
				   argv[a][2] == 'd' ? 99 : UINT64_MAX, &v) < 0)
				return usage();
			if (argv[a][2] == 'i')
				invalid = v;
			else if (argv[a][2] == 's')
				seed = v;
			else if (v == 0)
				return usage();
			else
				ndev = v;
			a++;
		} else if (!strcmp(argv[a], "--list-invalid")) {
			list_invalid = 1;
		} else if (argv[a][0] == '-' && argv[a][1]) {
			return usage();
		} else if (!dir) {
			dir = argv[a];
		} else if (!count_s) {
			count_s = argv[a];
		} else {
			return usage();
		}
	}
	if (!dir || !count_s || number(count_s, 999999999ULL * 50, &count) < 0)
		return usage();
	if (count / ndev + 1 > 999999999ULL) {
		fprintf(stderr, "gensurvey: too many records per device\n");
		return 2;
	}
	/* device by device, so each folder is made once */
	for (d = 0; d < ndev; d++)
		for (i = d; i < count; i += ndev)
			if (write_record(dir, i, (unsigned)ndev, seed, invalid,
					 list_invalid, &nbad, &bytes) < 0)
				return 1;
	printf("%llu records (%lu invalid), %llu bytes\n", count, nbad, bytes);
	return 0;
}
