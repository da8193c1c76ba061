/*
 * demo.c - the demonstration data: the real organisations of NHS Wales and
 * its partners (names are facts; codes and regions are ours), and one
 * account per role, named for the role rather than for a person.
 *
 * Regions follow the footprints of the seven health boards (which are
 * also those of the regional partnership boards); bodies that serve the
 * whole country are "national".
 */
#include "mod/accounts/acct_int.h"

#include <string.h>

struct demo_org {
	const char *code;
	const char *name;
	const char *type;
	const char *region;
};

static const struct demo_org demo_orgs[] = {
        /* the seven local health boards */
        {"ABUHB", "Aneurin Bevan University Health Board", "health_board", "gwent"},
        {"BCUHB", "Betsi Cadwaladr University Health Board", "health_board", "north"},
        {"CAVUHB", "Cardiff and Vale University Health Board", "health_board", "cardiff_vale"},
        {"CTMUHB", "Cwm Taf Morgannwg University Health Board", "health_board", "cwm_taf"},
        {"HDUHB", "Hywel Dda University Health Board", "health_board", "west"},
        {"PTHB", "Powys Teaching Health Board", "health_board", "powys"},
        {"SBUHB", "Swansea Bay University Health Board", "health_board", "west_glamorgan"},
        /* NHS trusts */
        {"VUNHST", "Velindre University NHS Trust", "nhs_trust", "national"},
        {"WAST", "Welsh Ambulance Services University NHS Trust", "nhs_trust", "national"},
        {"PHW", "Public Health Wales NHS Trust", "nhs_trust", "national"},
        /* special health authorities and the NHS executive function */
        {"HEIW", "Health Education and Improvement Wales", "national_body", "national"},
        {"DHCW", "Digital Health and Care Wales", "national_body", "national"},
        {"NHSWPI", "NHS Wales Performance and Improvement", "national_body", "national"},
        /* the 22 local authorities */
        {"LA-BG", "Blaenau Gwent County Borough Council", "local_authority", "gwent"},
        {"LA-BR", "Bridgend County Borough Council", "local_authority", "cwm_taf"},
        {"LA-CP", "Caerphilly County Borough Council", "local_authority", "gwent"},
        {"LA-CF", "Cardiff Council", "local_authority", "cardiff_vale"},
        {"LA-CM", "Carmarthenshire County Council", "local_authority", "west"},
        {"LA-CE", "Ceredigion County Council", "local_authority", "west"},
        {"LA-CW", "Conwy County Borough Council", "local_authority", "north"},
        {"LA-DE", "Denbighshire County Council", "local_authority", "north"},
        {"LA-FL", "Flintshire County Council", "local_authority", "north"},
        {"LA-GW", "Gwynedd Council", "local_authority", "north"},
        {"LA-AN", "Isle of Anglesey County Council", "local_authority", "north"},
        {"LA-MT", "Merthyr Tydfil County Borough Council", "local_authority", "cwm_taf"},
        {"LA-MO", "Monmouthshire County Council", "local_authority", "gwent"},
        {"LA-NP", "Neath Port Talbot County Borough Council", "local_authority", "west_glamorgan"},
        {"LA-NW", "Newport City Council", "local_authority", "gwent"},
        {"LA-PE", "Pembrokeshire County Council", "local_authority", "west"},
        {"LA-PO", "Powys County Council", "local_authority", "powys"},
        {"LA-RC", "Rhondda Cynon Taf County Borough Council", "local_authority", "cwm_taf"},
        {"LA-SW", "Swansea Council", "local_authority", "west_glamorgan"},
        {"LA-TF", "Torfaen County Borough Council", "local_authority", "gwent"},
        {"LA-VG", "Vale of Glamorgan Council", "local_authority", "cardiff_vale"},
        {"LA-WX", "Wrexham County Borough Council", "local_authority", "north"},
        /* third sector */
        {"MIND-CY", "Mind Cymru", "third_sector", "national"},
        {"HAFAL", "Hafal", "third_sector", "national"},
        {"PLATFFORM", "Platfform", "third_sector", "national"},
        {"ADFERIAD", "Adferiad", "third_sector", "national"},
        {"SAM-CY", "Samaritans Cymru", "third_sector", "national"},
        /* universities */
        {"UNI-ABER", "Aberystwyth University", "university", "west"},
        {"UNI-BANG", "Bangor University", "university", "north"},
        {"UNI-CARD", "Cardiff University", "university", "cardiff_vale"},
        {"UNI-CMET", "Cardiff Metropolitan University", "university", "cardiff_vale"},
        {"UNI-SWAN", "Swansea University", "university", "west_glamorgan"},
        {"UNI-USW", "University of South Wales", "university", "cwm_taf"},
        {"UNI-WREX", "Wrexham University", "university", "north"},
        {"UNI-UWTSD", "University of Wales Trinity Saint David", "university", "west"},
};

/*
 * One account per role. "Own organisation" for the tests is Cardiff and
 * Vale (CAVUHB); "another organisation" is Swansea Bay (SBUHB). Later
 * modules give the coach, host, participant and planner their roles on
 * their own scopes (teams, exchanges); here they belong to an organisation.
 */
const struct acct_demo_user acct_demo_users[] = {
        {"admin@demo.collective.test", "Demo programme admin", "global", NULL, "programme_admin",
         "sees and manages everything, reads the audit log"},
        {"lead@demo.collective.test", "Demo organisation lead", "org", "CAVUHB", "org_lead",
         "manages the people of Cardiff and Vale University Health Board"},
        {"member@demo.collective.test", "Demo organisation member", "org", "CAVUHB", "member",
         "a member of Cardiff and Vale University Health Board"},
        {"lead.other@demo.collective.test", "Demo lead of another organisation", "org", "SBUHB",
         "org_lead", "manages the people of Swansea Bay University Health Board"},
        {"member.other@demo.collective.test", "Demo member of another organisation", "org", "SBUHB",
         "member", "a member of Swansea Bay University Health Board"},
        {"team@demo.collective.test", "Demo improvement team member", "org", "CAVUHB", "member",
         "enters measures and PDSA cycles for an improvement team"},
        {"coach@demo.collective.test", "Demo improvement coach", "org", "NHSWPI", "member",
         "rates and advises improvement teams"},
        {"host@demo.collective.test", "Demo exchange host", "org", "ABUHB", "member",
         "runs a knowledge exchange"},
        {"participant@demo.collective.test", "Demo exchange participant", "org", "HDUHB", "member",
         "signs up to exchanges and conference sessions"},
        {"planner@demo.collective.test", "Demo workforce planner", "global", NULL, "planner",
         "loads workforce data and runs projections"},
        {NULL, NULL, NULL, NULL, NULL, NULL},
};

int acct_demo_load(struct db *db, const char *password, struct co_err *e)
{
	char hash[ACCT_PWHASH_LEN];
	struct db_conn *c;
	int64_t n = 0, now = acct__now();
	size_t i;
	int rc;

	if ((rc = acct_password_check(password, NULL, e)) < 0)
		return rc;
	/* One hash for every demo user: Argon2id is slow by design, and the
	 * demo accounts share one password anyway. Each is salted once. */
	if ((rc = acct_password_hash(password, hash, e)) < 0)
		return rc;
	if ((rc = db_acquire(db, &c, e)) < 0)
		return rc;
	if ((rc = db_begin(c, DB_TX_WRITE, e)) < 0)
		goto out;
	rc = db_query_int(c,
	                  "SELECT (SELECT COUNT(*) FROM organisations) + (SELECT COUNT(*) FROM "
	                  "users)",
	                  DB_NOARGS, &n, e);
	if (rc == 0 && n > 0)
		rc = co_errf(e, CO_ECONFLICT,
		             "the database already holds organisations or users: the demo data "
		             "goes only into an empty one");
	for (i = 0; rc == 0 && i < sizeof(demo_orgs) / sizeof(demo_orgs[0]); i++) {
		struct acct_org_input in = {demo_orgs[i].code, demo_orgs[i].name, demo_orgs[i].type,
		                            demo_orgs[i].region};

		rc = acct_org_create(c, 0, &in, NULL, e);
	}
	for (i = 0; rc == 0 && acct_demo_users[i].email; i++) {
		const struct acct_demo_user *u = &acct_demo_users[i];
		int64_t uid = 0, scope_id = 0;

		rc = acct_user_create(c, 0, u->email, u->name, NULL, "en", &uid, e);
		if (rc == 0)
			rc = db_exec(c,
			             "UPDATE users SET password_hash = ?, password_changed_at = ? "
			             "WHERE id = ?",
			             DB_ARGS(DB_T(hash), DB_I(now), DB_I(uid)), NULL, e);
		if (rc == 0 && u->org_code)
			rc = db_query_int(c, "SELECT id FROM organisations WHERE code = ?",
			                  DB_ARGS(DB_T(u->org_code)), &scope_id, e);
		if (rc == 0)
			rc = acct_membership_add(c, 0, uid, u->scope, scope_id, u->role, e);
	}
	if (rc == 0)
		rc = db_commit(c, e);
out:
	if (rc < 0)
		db_rollback(c);
	db_release(c);
	memset(hash, 0, sizeof(hash));
	return rc;
}
