#include "data/sample/sample_domain.hpp"

#include <algorithm>
#include <cctype>

namespace atn {

namespace {

sample_scenario scenario(std::vector<std::string> asks, std::string plan, std::vector<sample_tool> tools,
                         std::vector<std::string> replies, std::vector<sample_exchange> follow_ups,
                         std::string clarify_question = {}, std::string clarify_answer = {}) {
  sample_scenario s;
  s.asks = std::move(asks);
  s.plan = std::move(plan);
  s.tools = std::move(tools);
  s.replies = std::move(replies);
  s.follow_ups = std::move(follow_ups);
  s.clarify_question = std::move(clarify_question);
  s.clarify_answer = std::move(clarify_answer);
  return s;
}

std::string lower_letters(const std::string& s) {
  std::string out;
  for (char c : s)
    if (std::isalpha(static_cast<unsigned char>(c)))
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Lists every domain shares: people (with parallel e-mail, phone and first-name lists) and times.
sample_lexicon shared_lexicon() {
  static const char* firsts[] = {"Dana",   "Marcus", "Priya", "Tomas",  "Keiko",  "Olu",    "Sofia", "Liam",
                                 "Aisha",  "Jonas",  "Mei",   "Rafael", "Hannah", "Diego",  "Nadia", "Ethan",
                                 "Ingrid", "Kwame",  "Lucia", "Omar",   "Chloe",  "Viktor", "Zara",  "Ben"};
  static const char* lasts[] = {"Whitfield", "Chen",    "Raman",   "Alvarez", "Tanaka", "Adeyemi",
                                "Rossi",     "O'Brien", "Haddad",  "Berg",    "Lin",    "Costa",
                                "Kowalski",  "Ortiz",   "Petrova", "Brooks",  "Nilsen", "Mensah",
                                "Ferrari",   "Farouk",  "Dubois",  "Novak",   "Malik",  "Grant"};
  static const char* orgs[] = {"northwind.io",  "contoso.com",     "fabrikam.net",
                               "acme-corp.com", "examplemail.com", "globex.org"};
  sample_lexicon lex;
  auto& person = lex["person"];
  auto& first = lex["person.first"];
  auto& email = lex["person.email"];
  auto& phone = lex["person.phone"];
  for (int i = 0; i < 24; ++i) {
    const std::string f = firsts[i], l = lasts[i];
    person.push_back(f + " " + l);
    first.push_back(f);
    email.push_back(lower_letters(f) + (i % 3 == 2 ? "_" : ".") + lower_letters(l) + "@" + orgs[i % 6]);
    const std::string nn = (i < 10 ? "0" : "") + std::to_string(i);
    switch (i % 4) {  // several national formats, all in ranges reserved for fiction
      case 0:
        phone.push_back("+1 415 555 01" + nn);
        break;
      case 1:
        phone.push_back("(312) 555-01" + nn);
        break;
      case 2:
        phone.push_back("+44 20 7946 01" + nn);
        break;
      default:
        phone.push_back("+1-646-555-01" + nn);
        break;
    }
  }
  lex["hh"] = {"{%08-17}"};
  lex["mm"] = {"00", "15", "30", "45"};
  lex["time"] = {"{hh}:{mm}"};
  lex["dur"] = {"15", "30", "45", "60", "90"};
  return lex;
}

std::vector<sample_exchange> shared_closings() {
  return {{"Thanks, that's all for now.", "Happy to help, {user_first}."},
          {"Perfect, thank you.", "You're welcome!"},
          {"Great, thanks.", "Anytime."}};
}

sample_domain base_domain(std::string name, std::string app, std::string source, sample_layout layout,
                          sample_palette palette) {
  sample_domain d;
  d.name = name;
  d.agent_id = name + "-agent";
  d.app_name = std::move(app);
  d.source_id = std::move(source);
  d.layout = layout;
  d.palette = palette;
  d.lexicon = shared_lexicon();
  d.closings = shared_closings();
  return d;
}

void add_lists(sample_domain& d, sample_lexicon lists) {
  for (auto& [k, v] : lists) d.lexicon[k] = std::move(v);
}

// ---------------------------------------------------------------------------------------------
sample_domain calendar_domain() {
  auto c = rgb_color::hex;
  sample_domain d = base_domain(
      "calendar", "Calendar", "browser", sample_layout::calendar,
      {c(0x1a73e8), c(0xffffff), c(0xffffff), c(0xf1f3f4), c(0x4285f4), c(0x34a853), c(0x202124), c(0x80868b)});
  d.window_title = "{user_email} - Calendar - Week of {date}";
  d.url = "https://calendar.example.com/r/week/{date}";
  add_lists(d, {
                   {"meeting",
                    {"design review", "1:1 with my manager", "sprint planning", "quarterly business review",
                     "dentist appointment", "offsite planning", "budget sync", "hiring debrief", "product demo",
                     "vendor call", "roadmap review", "parent-teacher conference"}},
                   {"room",
                    {"Room 4B", "the Aurora room", "Zoom", "Google Meet", "the third-floor huddle space", "Cafe Lumen",
                     "Teams"}},
                   {"reminder",
                    {"renew the parking permit", "submit my timesheet", "pick up the dry cleaning",
                     "prepare slides for the {meeting}", "call {person} back on {person.phone}",
                     "book a table for Friday dinner"}},
                   {"event_id", {"evt_{%100000-999999}"}},
                   {"free", {"{%2-5}"}},
               });
  d.openers = {
      "Calendar agent session for {user} ({user_email}). Tools: calendar_read, calendar_write, find_free_slots, "
      "create_reminder. Time zone Europe/London; working hours 08:00-18:00.",
      "You are the scheduling assistant. Never accept invitations on the user's behalf without asking. "
      "Primary calendar: {user_email}."};
  d.tool_errors = {"calendar API returned 429 Too Many Requests", "event {event_id} not found on the primary calendar",
                   "free/busy lookup timed out after 10 s for {person.email}",
                   "OAuth token for {user_email} expired; re-authentication required"};
  d.failure_replies = {"I couldn't finish that - the calendar service said: {error}. Want me to try again in a minute?",
                       "Sorry, that didn't go through ({error}). Nothing on your calendar was changed."};
  d.closings.push_back({"Thanks, that's everything.", "You're welcome. Your week is up to date."});
  d.closings.push_back({"Great, thanks!", "Anytime - I'll keep an eye out for conflicts."});

  d.scenarios.push_back(scenario(
      {"What's on my calendar for {day}?", "Do I have anything booked on {day}?",
       "Can you pull up my schedule for {day}, {day_date}?", "How busy am I on {day}?"},
      "The user wants their agenda for {day} ({day_date}). Read the primary calendar for that day and "
      "summarise the events and the free time.",
      {{"calendar_read", R"j({"calendar": "primary", "date": "{day_date}", "range": "day"})j",
        R"j({"date": "{day_date}", "events": [{"title": "{meeting}", "start": "{time}", "duration_min": {dur}, "location": "{room}"}, {"title": "{meeting2}", "start": "{time2}", "duration_min": {dur2}, "location": "{room2}", "attendees": ["{person.email}", "{person2.email}"]}], "free_blocks": {free}})j"}},
      {"On {day} you have the {meeting} at {time} ({dur} min, {room}) and the {meeting2} at {time2} in {room2} "
       "with {person} and {person2}. That leaves {free} free blocks.",
       "{day} is fairly light: the {meeting} at {time}, then the {meeting2} at {time2} ({room2}). Everything else is "
       "open.",
       "Two events on {day_date}: {meeting} at {time} and {meeting2} at {time2}. You have {free} open blocks for focus "
       "time."},
      {{"Who's invited to the {meeting2}?",
        "{person} and {person2} are on the invite. {person2.first} accepted; {person.first} hasn't replied yet."},
       {"Is there room for lunch?", "Yes - you're free between 12:00 and 13:30 on {day}. Want me to block it?"},
       {"Is the {meeting} in person?", "It's in {room}. I'll add the location to your reminder."}}));

  d.scenarios.push_back(scenario(
      {"Set up a {dur}-minute {meeting} with {person} on {day} at {time}.",
       "Book the {meeting} with {person} ({person.email}) for {day} at {time}, please.",
       "Put a {meeting} with {person.first} on my calendar for {day}, {time}."},
      "Check that {day_date} at {time} is free for the user and {person}, then create the event and send the "
      "invite to {person.email}.",
      {{"find_free_slots",
        R"j({"date": "{day_date}", "duration_min": {dur}, "attendees": ["{user_email}", "{person.email}"], "window": "08:00-18:00"})j",
        R"j({"slots": ["{time}", "{time2}"], "conflicts": 0})j"},
       {"calendar_write",
        R"j({"action": "create", "title": "{meeting}", "start": "{day_date}T{time}:00", "duration_min": {dur}, "location": "{room}", "attendees": ["{person.email}"]})j",
        R"j({"event_id": "{event_id}", "status": "confirmed", "invites_sent": 1})j"}},
      {"Done. The {meeting} with {person} is booked for {day} at {time} in {room}, and the invite went to "
       "{person.email}.",
       "Booked: {meeting}, {day_date} {time}, {dur} minutes, {room}. {person.first} has the invite.",
       "All set - you and {person.first} are both free at {time} on {day}, so I created the event ({event_id})."},
      {{"Add {person2} as well.", "Added {person2} ({person2.email}) to the {meeting} and sent an updated invite."},
       {"Remind me 10 minutes before.", "Reminder set for 10 minutes before the {meeting} on {day}."},
       {"What's {person.first}'s number in case I run late?", "{person} can be reached at {person.phone}."}},
      "Do you want a video link, or should I book {room}?", "{room} is fine."));

  d.scenarios.push_back(scenario(
      {"I can't make the {meeting} on {day}. Can you move it to {time2}?",
       "Push my {time} {meeting} on {day} to {time2} and let {person.first} know.",
       "Something came up - please reschedule the {meeting} on {day} to {time2}."},
      "Find the {meeting} on {day_date}, move it from {time} to {time2}, and notify the attendees.",
      {{"calendar_read", R"j({"calendar": "primary", "date": "{day_date}", "query": "{meeting}"})j",
        R"j({"events": [{"event_id": "{event_id}", "title": "{meeting}", "start": "{time}", "attendees": ["{person.email}"]}]})j"},
       {"calendar_write",
        R"j({"action": "update", "event_id": "{event_id}", "start": "{day_date}T{time2}:00", "notify": true})j",
        R"j({"event_id": "{event_id}", "status": "rescheduled", "notified": ["{person.email}"]})j"}},
      {"Moved the {meeting} on {day} from {time} to {time2}. {person} was notified.",
       "Done - the {meeting} now starts at {time2} on {day_date}; {person.first} got the update."},
      {{"Did {person.first} accept the new time?",
        "Not yet - the invite shows as pending. I'll tell you when {person.first} responds."},
       {"Anything else that day?", "Only the {meeting2} at {time3}; nothing else conflicts."}}));

  d.scenarios.push_back(scenario(
      {"When am I free on {day} for a {dur}-minute call with {person}?",
       "Find a slot on {day} for a {dur}-minute {meeting} with {person.first} and {person2.first}.",
       "What's the first opening I have on {day} for {dur} minutes?"},
      "Look up open {dur}-minute windows on {day_date} shared by the user and the attendees.",
      {{"find_free_slots",
        R"j({"date": "{day_date}", "duration_min": {dur}, "attendees": ["{user_email}", "{person.email}", "{person2.email}"], "window": "09:00-17:30"})j",
        R"j({"slots": ["{time}", "{time2}", "{time3}"], "conflicts": {%0-2}})j"}},
      {"Shared {dur}-minute openings on {day}: {time}, {time2} and {time3}. Want me to book one?",
       "You, {person.first} and {person2.first} are all free at {time}, {time2} or {time3} on {day}."},
      {{"Which one is least disruptive?",
        "{time2} - it sits right after your {meeting}, so it doesn't break up a focus block."},
       {"Does {person.first} have anything right before?",
        "{person.first} is busy right before {time}, so {time2} gives them more slack."}}));

  d.scenarios.push_back(scenario(
      {"Remind me on {day} at {time} to {reminder}.", "Set a reminder for {day}, {time}: {reminder}.",
       "Please nudge me at {time} on {day} to {reminder}."},
      "Create a one-off reminder on {day_date} at {time} with the text the user gave.",
      {{"create_reminder", R"j({"at": "{day_date}T{time}:00", "text": "{reminder}", "channel": "push"})j",
        R"j({"reminder_id": "rem_{%1000-9999}", "scheduled_for": "{day_date}T{time}:00"})j"}},
      {"Reminder set for {day} at {time}: \"{reminder}\".", "OK, I'll ping you on {day_date} at {time} to {reminder}."},
      {{"Make it repeat every week.", "Updated: the reminder now repeats every {day} at {time}."},
       {"Also send it to my email.", "Done - you'll get it as a push notification and at {user_email}."}}));

  d.jobs.push_back(
      {"schedule",
       "Scheduled run: build today's agenda digest for {user} and email it to {user_email}.",
       {{"calendar_read", R"j({"calendar": "primary", "date": "{date}", "range": "day"})j",
         R"j({"events": [{"title": "{meeting}", "start": "{time}"}, {"title": "{meeting2}", "start": "{time2}"}]})j"},
        {"calendar_digest", R"j({"to": "{user_email}", "date": "{date}", "events": 2})j", R"j({"sent": true})j"}},
       "Sent the {today} agenda digest to {user_email}: {meeting} at {time}, {meeting2} at {time2}."});
  d.jobs.push_back(
      {"webhook",
       "Webhook: a new invitation from {person.email} for the {meeting}. Check for conflicts and add it as tentative.",
       {{"parse_invite", R"j({"from": "{person.email}", "subject": "Invitation: {meeting} @ {day} {time}"})j",
         R"j({"title": "{meeting}", "start": "{day_date}T{time}:00", "organizer": "{person}"})j"},
        {"find_free_slots",
         R"j({"date": "{day_date}", "duration_min": {dur}, "attendees": ["{user_email}"], "window": "{time}-18:00"})j",
         R"j({"slots": ["{time}"], "conflicts": 0})j"},
        {"calendar_write",
         R"j({"action": "create", "title": "{meeting}", "start": "{day_date}T{time}:00", "status": "tentative"})j",
         R"j({"event_id": "{event_id}", "status": "tentative"})j"}},
       "Added {person}'s invitation ({meeting}, {day} {time}) as tentative; no conflicts found."});
  return d;
}

// ---------------------------------------------------------------------------------------------
sample_domain mail_domain() {
  auto c = rgb_color::hex;
  sample_domain d = base_domain(
      "mail", "Mail", "browser", sample_layout::mail,
      {c(0xc5221f), c(0xffffff), c(0xffffff), c(0xf6f8fc), c(0xd93025), c(0x188038), c(0x202124), c(0x5f6368)});
  d.window_title = "Inbox ({unread}) - {user_email} - Mail";
  d.url = "https://mail.example.com/mail/u/0/#inbox";
  add_lists(d,
            {
                {"subject",
                 {"Q1 invoice #{%1040-1099}", "Contract renewal for 2026", "Offsite agenda", "Your order has shipped",
                  "Draft proposal v3", "Lunch on Thursday?", "Board deck comments", "Overdue expense report",
                  "Intro: {person2.first} <> {user_first}", "Security alert for your account"}},
                {"folder", {"Receipts", "Projects", "Clients", "Archive", "Travel", "Newsletters"}},
                {"newsletter",
                 {"The Morning Brew", "Product Hunt Daily", "Medium Digest", "LinkedIn Job Alerts",
                  "Substack weekly roundup"}},
                {"unread", {"{%4-27}"}},
                {"applied", {"{%3-60}"}},
                {"attachment",
                 {"proposal_v3.pdf", "invoice_{%1040-1099}.pdf", "offsite_agenda.docx", "contract_2026_signed.pdf",
                  "Q1_numbers.xlsx"}},
                {"msgid", {"<{%100000-999999}.{%1000-9999}@mail.example.com>"}},
                {"tone", {"short and friendly", "formal", "brief"}},
                {"reply_point",
                 {"I'll review it by {day}", "Thursday works for me", "the numbers look right to me",
                  "let's push this to next week", "please send the signed copy"}},
            });
  d.openers = {
      "Mail agent for {user_email}. Tools: search_email, read_thread, send_email, create_filter, unsubscribe. "
      "Always confirm before sending on the user's behalf.",
      "Inbox assistant session. Signature: {user} | {user_phone}."};
  d.tool_errors = {"SMTP 451 4.7.1 temporary failure, try again later", "thread not found for {person.email}",
                   "IMAP connection reset by peer", "attachment exceeds the 25 MB limit"};
  d.failure_replies = {"That didn't work - the mail server said \"{error}\". Your draft is saved.",
                       "Sorry, I hit an error ({error}). Nothing was sent."};
  d.closings.push_back({"OK, inbox zero time.", "Good luck - only the flagged ones need you today."});

  d.scenarios.push_back(scenario(
      {"Anything urgent in my inbox?", "Summarize my unread email.", "What did I miss in email this morning?"},
      "Search unread mail, rank it by sender importance and deadlines, and summarise the top items.",
      {{"search_email", R"j({"query": "is:unread newer_than:1d", "limit": 25})j",
        R"j({"total": {unread}, "messages": [{"from": "{person} <{person.email}>", "subject": "{subject}", "snippet": "Can you take a look before {day}?"}, {"from": "{person2} <{person2.email}>", "subject": "{subject2}", "snippet": "Following up on my last note."}]})j"}},
      {"You have {unread} unread emails. Two need you: {person} asked about \"{subject}\" before {day}, and "
       "{person2} is following up on \"{subject2}\". The rest are newsletters.",
       "{unread} unread. Most important: \"{subject}\" from {person.first} (wants an answer by {day}) and "
       "\"{subject2}\" from {person2.first}."},
      {{"What's {person.first}'s email again?", "{person}: {person.email}."},
       {"Anything from the bank?", "No, nothing from the bank in the last day."},
       {"Who is {person2.first} again?",
        "{person2} ({person2.email}, {person2.phone}) - you last emailed them about \"{subject2}\"."}}));

  d.scenarios.push_back(scenario(
      {"Reply to {person.first} and say {reply_point}.", "Write back to {person} about \"{subject}\": {reply_point}.",
       "Can you answer {person.first}'s email? Tell them {reply_point}."},
      "Open the latest thread from {person.email}, draft a {tone} reply saying \"{reply_point}\", and send it.",
      {{"read_thread", R"j({"from": "{person.email}", "subject": "{subject}"})j",
        R"j({"thread_id": "t_{%10000-99999}", "messages": {%2-6}, "last_from": "{person.email}"})j"},
       {"send_email",
        R"j({"to": ["{person.email}"], "subject": "Re: {subject}", "body": "Hi {person.first},\n\n{reply_point}.\n\nBest,\n{user_first}"})j",
        R"j({"message_id": "{msgid}", "status": "sent"})j"}},
      {"Sent. {person.first} now has your reply on \"{subject}\": \"{reply_point}.\"",
       "Done - replied to {person} ({person.email}) saying {reply_point}."},
      {{"Can you cc {person2.first} next time?",
        "Sure, I'll cc {person2} ({person2.email}) on that thread from now on."},
       {"Did it go out?", "Yes, it was delivered a moment ago."}},
      "Should I keep it {tone} and send it now, or save it as a draft?", "Send it now."));

  d.scenarios.push_back(scenario(
      {"Find the {attachment} that {person} sent me.",
       "Where's the attachment {person.first} sent about \"{subject}\"?", "Dig up {attachment} from my email."},
      "Search mail from {person.email} with attachments matching the file name.",
      {{"search_email", R"j({"query": "from:{person.email} has:attachment filename:{attachment}", "limit": 5})j",
        R"j({"total": 1, "messages": [{"from": "{person.email}", "subject": "{subject}", "attachment": "{attachment}", "received": "{date}"}]})j"}},
      {"Found it: {attachment}, attached to \"{subject}\" from {person} on {date}. I've pinned the thread to the top "
       "of your inbox.",
       "{person.first} sent {attachment} with the email \"{subject}\". Want me to forward it somewhere?"},
      {{"How big is the file?", "{attachment} is about {%1-9}.{%1-9} MB."},
       {"Who else was on that email?", "It went to you and {person2} ({person2.email})."}}));

  d.scenarios.push_back(scenario(
      {"Move everything from {newsletter} into {folder} automatically.",
       "Create a rule so {newsletter} skips the inbox and goes to {folder}.",
       "Can you filter {newsletter} emails into {folder}?"},
      "Create a mail filter matching {newsletter} that skips the inbox and applies the {folder} label.",
      {{"create_filter",
        R"j({"match": {"from": "{newsletter}"}, "actions": {"label": "{folder}", "skip_inbox": true}})j",
        R"j({"filter_id": "f_{%100-999}", "applied_to_existing": {applied}})j"}},
      {"Filter created: mail from {newsletter} now goes to {folder}. It also moved {applied} existing messages.",
       "Done. {newsletter} will skip your inbox from now on; {applied} older messages are already in {folder}."},
      {{"Can you undo it if I change my mind?",
        "Yes - just ask and I'll delete the filter; the messages stay in {folder}."}}));

  d.scenarios.push_back(scenario(
      {"Unsubscribe me from {newsletter}.", "I'm tired of {newsletter} emails - get me off that list."},
      "Find the List-Unsubscribe header of {newsletter} and follow it.",
      {{"search_email", R"j({"query": "from:({newsletter})", "limit": 1})j",
        R"j({"total": {unread}, "messages": [{"from": "{newsletter}", "list_unsubscribe": "mailto:unsubscribe@list.example.net"}]})j"},
       {"unsubscribe", R"j({"sender": "{newsletter}", "method": "mailto"})j", R"j("unsubscribe request sent")j"}},
      {"Unsubscribe request sent to {newsletter}. It can take a couple of days for them to stop.",
       "You're off the {newsletter} list - they had sent you {unread} messages this month."},
      {{"How many did they send me?", "{unread} messages from {newsletter} in the last month."}}));

  d.scenarios.push_back(scenario(
      {"Email {person2.first} the phone number for {person}: {person.phone}.",
       "Send {person2} {person.first}'s contact details."},
      "Send {person2.email} a short note with {person}'s contact details.",
      {{"send_email",
        R"j({"to": ["{person2.email}"], "subject": "Contact: {person}", "body": "Hi {person2.first}, you can reach {person} at {person.phone} or {person.email}."})j",
        R"j({"message_id": "{msgid}", "status": "sent"})j"}},
      {"Sent {person2.first} {person.first}'s number ({person.phone}) and email ({person.email}).",
       "Done - {person2} has {person}'s details now."},
      {{"Thanks. Did you cc me?", "No, it went only to {person2.email}; I can forward you a copy."}}));

  d.jobs.push_back({"schedule",
                    "Scheduled run: the morning inbox digest for {user_email}.",
                    {{"search_email", R"j({"query": "is:unread newer_than:12h", "limit": 50})j",
                      R"j({"total": {unread}, "important": 2})j"},
                     {"inbox_digest", R"j({"to": "{user_email}", "highlights": ["{subject}", "{subject2}"]})j",
                      R"j("digest delivered")j"}},
                    "Morning digest sent: {unread} unread, highlights \"{subject}\" and \"{subject2}\"."});
  d.jobs.push_back(
      {"webhook",
       "Webhook: new message from {person.email}, \"{subject}\". Classify and label it.",
       {{"classify_email", R"j({"from": "{person.email}", "subject": "{subject}"})j",
         R"j({"label": "important", "confidence": 0.9{%1-8}})j"},
        {"label_email", R"j({"message_id": "{msgid}", "labels": ["important", "{folder}"]})j", R"j({"ok": true})j"}},
       "Labelled \"{subject}\" from {person} as important and filed it under {folder}."});
  return d;
}

// ---------------------------------------------------------------------------------------------
sample_domain code_domain() {
  auto c = rgb_color::hex;
  sample_domain d = base_domain(
      "code", "Code", "screen", sample_layout::code,
      {c(0x3c3c3c), c(0xcccccc), c(0x1e1e1e), c(0x252526), c(0x569cd6), c(0xce9178), c(0xd4d4d4), c(0x858585)});
  d.window_title = "{file} - {repo} - Code";
  d.url = "";
  add_lists(
      d, {
             {"repo", {"atlas-api", "billing-service", "web-dashboard", "ingest-worker", "mobile-app", "infra-tools"}},
             {"file",
              {"src/handlers/auth.py", "src/billing/invoice.ts", "src/cache/lru.rs", "internal/queue/worker.go",
               "src/components/Chart.tsx", "app/models/order.rb"}},
             {"file.func",
              {"refresh_token", "computeTotals", "evict_lru", "ProcessBatch", "renderSeries", "apply_discount"}},
             {"file.test",
              {"test_refresh_token_expiry", "invoice.spec.ts > rounds totals to cents", "cache::tests::evicts_oldest",
               "TestProcessBatchRetries", "Chart.test.tsx > renders empty series", "OrderTest#test_discount_cap"}},
             {"file.error",
              {"KeyError: 'exp'", "AssertionError: expected 10.01 to equal 10.00",
               "assertion `left == right` failed: left: 3, right: 2", "context deadline exceeded",
               "TypeError: Cannot read properties of undefined (reading 'length')", "Expected 15.0, got 20.0"}},
             {"file.lang", {"python", "typescript", "rust", "go", "typescript", "ruby"}},
             {"file.fix",
              {"treat a missing exp claim as expired instead of raising",
               "round each line item to cents before summing", "evict the least recently used key before inserting",
               "retry on deadline errors with a longer per-batch timeout", "return early when the series is empty",
               "cap the discount at the order subtotal"}},
             {"branch", {"main", "feature/rate-limits", "fix/null-currency", "release/2.4", "chore/deps-bump"}},
             {"pr", {"{%120-980}"}},
             {"passed", {"{%140-620}"}},
             {"skipped", {"{%0-7}"}},
             {"secs", {"{%9-140}"}},
             {"loc", {"{%40-420}"}},
             {"total", {"{%2-11}"}},
             {"lines_changed", {"{%3-40}"}},
             {"sha", {"3f9c2ab", "a17e04d", "9b2d6f1", "e4c81a0", "5d0b7c3", "c62f9e8"}},
         });
  d.openers = {
      "Coding agent attached to {repo} (default branch main). Tools: run_tests, read_file, apply_patch, search_code, "
      "get_pull_request, post_review, git_branch, create_pull_request. Never push to main directly.",
      "Workspace: ~/src/{repo}. Commit author: {user} <{user_email}>."};
  d.tool_errors = {"test runner exited with code 137 (out of memory)", "merge conflict in {file}",
                   "git push rejected: protected branch", "GitHub API rate limit exceeded; resets in {%2-40} minutes"};
  d.failure_replies = {"That failed: {error}. I didn't change anything in {repo}.",
                       "I hit an error - {error}. Want me to retry or dig into it?"};
  d.closings.push_back({"Ship it.", "Merged-ready once CI is green. Nice work."});

  d.scenarios.push_back(scenario(
      {"Run the tests on {branch}.", "Can you run the {repo} test suite?",
       "Kick off the unit tests for {repo} on {branch}."},
      "Run the unit suite of {repo} on {branch} and report failures with their first error line.",
      {{"run_tests", R"j({"repo": "{repo}", "branch": "{branch}", "suite": "unit", "parallel": 4})j",
        R"j({"passed": {passed}, "failed": 1, "skipped": {skipped}, "duration_s": {secs}, "failures": [{"test": "{file.test}", "file": "{file}", "error": "{file.error}"}]})j"}},
      {"{passed} passed, 1 failed, {skipped} skipped in {secs}s. The failure is {file.test} in {file}: {file.error}.",
       "Suite finished on {branch}: 1 failure ({file.test}) - {file.error}. Everything else is green."},
      {{"What's causing it?", "{file.func} in {file} doesn't handle that case; the fix is to {file.fix}."},
       {"Is it flaky or a real failure?",
        "Real - it fails the same way on three reruns and started with commit {sha}."}}));

  d.scenarios.push_back(scenario(
      {"{file.test} is failing with {file.error}. Can you fix it?", "Please fix the failing test in {file}.",
       "Patch {file.func} so {file.test} passes."},
      "Read {file}, find why {file.func} fails ({file.error}), patch it to {file.fix}, then rerun the affected test.",
      {{"read_file", R"j({"repo": "{repo}", "path": "{file}"})j",
        R"j({"path": "{file}", "language": "{file.lang}", "lines": {loc}, "symbols": ["{file.func}"]})j"},
       {"apply_patch", R"j({"repo": "{repo}", "path": "{file}", "description": "{file.fix}"})j",
        R"j({"applied": true, "lines_changed": {lines_changed}})j"},
       {"run_tests", R"j({"repo": "{repo}", "branch": "{branch}", "filter": "{file.test}"})j",
        R"j({"passed": 1, "failed": 0, "skipped": 0, "duration_s": {%1-9}})j"}},
      {"Fixed: I changed {file.func} to {file.fix} ({lines_changed} lines in {file}). {file.test} passes now.",
       "Patched {file}: {file.func} now knows to {file.fix}. The test is green."},
      {{"Does this change the public API?",
        "No - the signature of {file.func} is unchanged; only its edge-case handling differs."},
       {"Write a commit message for it.", "fix({repo}): {file.fix}\n\nFixes {file.test}."}}));

  d.scenarios.push_back(scenario(
      {"Review PR #{pr} on {repo}.", "Can you take a look at pull request {pr}?",
       "Give me a quick review of #{pr} before I merge."},
      "Fetch PR #{pr} in {repo}, read the diff, and leave review comments.",
      {{"get_pull_request", R"j({"repo": "{repo}", "number": {pr}})j",
        R"j({"title": "Refactor {file.func}", "author": "{person.first}", "files_changed": {%2-14}, "additions": {%20-400}, "deletions": {%5-200}, "checks": "passing"})j"},
       {"post_review",
        R"j({"repo": "{repo}", "number": {pr}, "event": "COMMENT", "comments": [{"path": "{file}", "body": "Consider a test for the empty case in {file.func}."}]})j",
        R"j({"review_id": {%10000-99999}, "state": "COMMENTED"})j"}},
      {"PR #{pr} by {person.first} looks solid and checks pass. I left one comment on {file}: {file.func} needs a test "
       "for the empty case.",
       "Reviewed #{pr}: the refactor of {file.func} is clean; one comment about test coverage in {file}."},
      {{"Would you approve it?", "Yes, once that test is added - the refactor itself is behaviour-preserving."},
       {"Who else should review?",
        "{person2.first} touched {file} most recently, so they're a good second reviewer."}}));

  d.scenarios.push_back(scenario(
      {"What does {file.func} in {file} do?", "Explain {file.func} to me.", "Walk me through {file}."},
      "Read {file} and explain {file.func} in plain language.",
      {{"read_file", R"j({"repo": "{repo}", "path": "{file}"})j",
        R"j({"path": "{file}", "language": "{file.lang}", "lines": {loc}, "symbols": ["{file.func}"]})j"}},
      {"{file.func} is the core of {file} ({loc} lines of {file.lang}). It validates its input, does the main work "
       "and returns early on errors; the tricky part is the edge case covered by {file.test}.",
       "In short, {file.func} is where {file} does its real work; watch out for the case in {file.test}."},
      {{"Is it tested?", "Yes, {file.test} covers it, plus a handful of other cases in the same suite."}}));

  d.scenarios.push_back(scenario(
      {"Start a branch for the {file.func} cleanup and open a draft PR.",
       "Create a branch off main for {file.func} changes and open a draft pull request."},
      "Create a feature branch from main in {repo}, push it, and open a draft PR.",
      {{"git_branch", R"j({"repo": "{repo}", "from": "main", "name": "feature/{file.func}-cleanup"})j",
        R"j({"created": true, "sha": "{sha}"})j"},
       {"create_pull_request",
        R"j({"repo": "{repo}", "head": "feature/{file.func}-cleanup", "base": "main", "draft": true, "title": "WIP: clean up {file.func}"})j",
        R"j({"number": {pr}, "url": "https://git.example.com/{repo}/pull/{pr}"})j"}},
      {"Branch feature/{file.func}-cleanup is pushed and draft PR #{pr} is open: "
       "https://git.example.com/{repo}/pull/{pr}.",
       "Draft PR #{pr} is up from feature/{file.func}-cleanup."},
      {{"Who's the default reviewer?", "CODEOWNERS assigns {person} ({person.email}) for that path."}}));

  d.scenarios.push_back(scenario(
      {"Where do we call {file.func}?", "Find all usages of {file.func} in {repo}."},
      "Search {repo} for call sites of {file.func}.",
      {{"search_code", R"j({"repo": "{repo}", "query": "{file.func}(", "max_results": 20})j",
        R"j({"total": {total}, "matches": [{"path": "{file}", "line": {%10-300}}, {"path": "{file2}", "line": {%10-300}}]})j"}},
      {"{file.func} is called in {total} places; the main ones are in {file} and {file2}.",
       "Found {total} call sites of {file.func}, mostly in {file} and {file2}."},
      {{"Any of them in tests?", "Yes, {file.test} calls it directly."}}));

  d.jobs.push_back(
      {"webhook",
       "Webhook: CI failed on {repo}/main. Fetch the logs and open an issue.",
       {{"fetch_ci_logs", R"j({"repo": "{repo}", "branch": "main", "run_id": {%100000-999999}})j",
         R"j({"failed_step": "unit-tests", "test": "{file.test}", "error": "{file.error}"})j"},
        {"open_issue", R"j({"repo": "{repo}", "title": "CI failing: {file.test}", "labels": ["ci", "bug"]})j",
         R"j({"number": {pr}})j"}},
       "CI on {repo}/main failed in unit-tests ({file.error}); opened issue #{pr}."});
  d.jobs.push_back({"schedule",
                    "Scheduled run: nightly dependency audit of {repo}.",
                    {{"audit_dependencies", R"j({"repo": "{repo}", "ecosystem": "{file.lang}"})j",
                      R"j({"vulnerable": {%0-3}, "outdated": {%2-25}})j"}},
                    "Nightly audit of {repo} finished; the report is attached to the dashboard."});
  return d;
}

// ---------------------------------------------------------------------------------------------
sample_domain finance_domain() {
  auto c = rgb_color::hex;
  sample_domain d = base_domain(
      "finance", "Finance", "browser", sample_layout::finance,
      {c(0x0b3d2e), c(0xe5e7eb), c(0x0f1b2d), c(0x16263d), c(0x22c55e), c(0xef4444), c(0xe5e7eb), c(0x94a3b8)});
  d.window_title = "Portfolio - Finance - {user}";
  d.url = "https://finance.example.com/portfolio";
  add_lists(
      d, {
             {"ticker", {"AAPL", "MSFT", "NVDA", "VTI", "AMZN", "BND", "SCHD", "GOOGL"}},
             {"ticker.name",
              {"Apple", "Microsoft", "NVIDIA", "Vanguard Total Stock Market ETF", "Amazon", "Vanguard Total Bond ETF",
               "Schwab US Dividend ETF", "Alphabet"}},
             {"price", {"{%40-900}.{%10-99}"}},
             {"pct", {"{%0-3}.{%10-99}"}},
             {"signed_pct", {"{pct}", "-{pct}"}},
             {"merchant",
              {"Whole Foods", "Shell", "Netflix", "Delta Air Lines", "Trader Joe's", "Comcast", "Uber", "Costco"}},
             {"category", {"groceries", "dining", "transport", "utilities", "subscriptions", "travel", "shopping"}},
             {"amount", {"{%12-480}.{%10-99}"}},
             {"budget", {"{%2-8}00"}},
             {"account", {"checking", "savings", "brokerage", "Visa ending {%1000-9999}"}},
             {"count", {"{%3-29}"}},
             {"shares", {"{%3-180}"}},
             {"value", {"{%18000-240000}.{%10-99}"}},
             {"confirmation", {"TX-{%100000-999999}"}},
             {"invoice", {"INV-2026-{%100-999}"}},
         });
  d.openers = {
      "Finance agent for {user}. Read access to checking, savings, credit and brokerage; transfers need explicit "
      "confirmation. Currency USD.",
      "Personal finance session. Do not give individualised investment advice. Alerts go to {user_phone}."};
  d.tool_errors = {"bank connection requires re-authentication (MFA)", "market data provider timeout",
                   "insufficient funds in {account}", "transfer limit of $2,500 per day exceeded"};
  d.failure_replies = {"I couldn't complete that - {error}. Nothing changed in your accounts.",
                       "The bank returned an error: {error}. Want me to retry later?"};
  d.closings.push_back({"Thanks, that helps with the budget.", "Glad to help - I'll flag anything unusual."});

  d.scenarios.push_back(scenario(
      {"What's {ticker} trading at?", "Give me a quote for {ticker.name}.", "How is {ticker} doing today?"},
      "Get the latest quote for {ticker} and report price and daily change.",
      {{"get_quote", R"j({"symbol": "{ticker}"})j",
        R"j({"symbol": "{ticker}", "price": {price}, "change_pct": {signed_pct}, "volume": {%1-90}000000, "currency": "USD"})j"}},
      {"{ticker.name} ({ticker}) is at ${price}, {signed_pct}% on the day.",
       "{ticker} last traded at ${price} ({signed_pct}% today)."},
      {{"How much of it do I own?", "You hold {shares} shares of {ticker} in your brokerage account."},
       {"Is that a big move for it?", "Not really - a {pct}% move is within its normal daily range."}}));

  d.scenarios.push_back(scenario(
      {"How much did I spend on {category} this month?", "What's my {category} spending since {month_start}?",
       "Break down my {category} costs for {month}."},
      "Sum card and bank transactions in {category} from {month_start} to {date}.",
      {{"list_transactions",
        R"j({"category": "{category}", "from": "{month_start}", "to": "{date}", "accounts": ["checking", "credit"]})j",
        R"j({"total": {amount}, "count": {count}, "top_merchant": "{merchant}", "currency": "USD"})j"}},
      {"You've spent ${amount} on {category} since {month_start} across {count} transactions, most of it at "
       "{merchant}.",
       "So far in {month} you've spent ${amount} on {category} ({count} charges). Biggest merchant: {merchant}."},
      {{"Is that more than last month?", "A little - by this date last month you were about {pct}% lower."},
       {"What was the biggest single charge?", "${amount2} at {merchant2}."}}));

  d.scenarios.push_back(scenario(
      {"Transfer ${amount} from {account} to savings.", "Move ${amount} into my savings account.",
       "Send ${amount} to savings from {account}, please."},
      "Transfer ${amount} from {account} to savings once the user has confirmed.",
      {{"transfer_funds",
        R"j({"from": "{account}", "to": "savings", "amount": {amount}, "currency": "USD", "memo": "Transfer requested by {user}"})j",
        R"j({"confirmation": "{confirmation}", "status": "completed", "available_balance": {amount2}})j"}},
      {"Done - ${amount} moved to savings (confirmation {confirmation}). {account} now shows ${amount2} available.",
       "Transfer complete: ${amount} to savings, reference {confirmation}."},
      {{"When will it show up?", "Internal transfers land immediately; it's already in savings."}},
      "Just to confirm: move ${amount} from {account} to savings today?", "Yes, go ahead."));

  d.scenarios.push_back(scenario(
      {"Alert me if {category} goes over ${budget} this month.", "Set a ${budget} budget for {category}.",
       "Warn me when I'm close to ${budget} on {category}."},
      "Create a monthly budget alert for {category} at ${budget}, notifying at 80% and 100%.",
      {{"set_budget_alert",
        R"j({"category": "{category}", "limit": {budget}, "period": "month", "notify_at_pct": [80, 100]})j",
        R"j({"alert_id": "ba_{%100-999}", "current_spend": {amount}})j"}},
      {"Budget set: ${budget} for {category}. You're at ${amount} so far; I'll warn you at 80% and 100%.",
       "OK - I'll text {user_phone} when {category} reaches 80% of ${budget}. Current spend: ${amount}."},
      {{"How am I tracking?", "You've used ${amount} of the ${budget} {category} budget so far this month."}}));

  d.scenarios.push_back(scenario(
      {"How's my portfolio doing?", "What's my net worth today?", "Give me a portfolio summary."},
      "Fetch brokerage and IRA positions, total them and report the daily change.",
      {{"get_portfolio", R"j({"accounts": ["brokerage", "ira"]})j",
        R"j({"total_value": {value}, "day_change_pct": {signed_pct}, "top_holding": "{ticker}", "cash": {amount}})j"}},
      {"Your portfolio is worth ${value}, {signed_pct}% today. {ticker.name} is your largest position; ${amount} is in "
       "cash.",
       "Total ${value} ({signed_pct}% on the day). Largest holding: {ticker}."},
      {{"Should I rebalance?",
        "Your stock allocation has drifted a few points above target; rebalancing this quarter would bring it back. "
        "This isn't financial advice."}}));

  d.scenarios.push_back(scenario(
      {"Send an invoice for ${amount} to {person} at {person.email}.",
       "Bill {person.first} ${amount} for last month's consulting."},
      "Create and send an invoice of ${amount} to {person} ({person.email}), due in 30 days.",
      {{"create_invoice",
        R"j({"client": "{person}", "email": "{person.email}", "amount": {amount}, "currency": "USD", "due_days": 30})j",
        R"j({"invoice_id": "{invoice}", "status": "sent"})j"}},
      {"Invoice {invoice} for ${amount} is on its way to {person} ({person.email}), due in 30 days.",
       "Sent {invoice} to {person.first}: ${amount}, net 30."},
      {{"Remind me if it's not paid.", "Sure - I'll flag {invoice} if it's still open in 30 days."}}));

  d.jobs.push_back({"schedule",
                    "Scheduled run: monthly reconciliation for {month}.",
                    {{"reconcile_accounts", R"j({"period": "{month}", "accounts": ["checking", "savings", "credit"]})j",
                      R"j({"matched": {count}, "unmatched": {%0-3}})j"}},
                    "Reconciled {month}: {count} transactions matched across checking, savings and credit."});
  d.jobs.push_back({"webhook",
                    "Webhook: card transaction of ${amount} at {merchant} on {account}.",
                    {{"flag_transaction", R"j({"merchant": "{merchant}", "amount": {amount}, "account": "{account}"})j",
                      R"j({"flagged": true, "reason": "above usual spend for {category}"})j"},
                     {"send_sms_alert", R"j({"to": "{user_phone}", "text": "Large charge: ${amount} at {merchant}"})j",
                      R"j("queued")j"}},
                    "Flagged a ${amount} charge at {merchant} on {account} and texted {user_phone}."});
  return d;
}

// ---------------------------------------------------------------------------------------------
sample_domain health_domain() {
  auto c = rgb_color::hex;
  sample_domain d = base_domain(
      "health", "Health", "screen", sample_layout::health,
      {c(0xe11d48), c(0xffffff), c(0xf0fdf4), c(0xffffff), c(0xe11d48), c(0x0ea5e9), c(0x14532d), c(0x6b7280)});
  d.window_title = "Health - Vitals - {user}";
  d.url = "";
  add_lists(
      d,
      {
          {"bpm", {"{%56-96}"}},
          {"sys", {"{%108-138}"}},
          {"dia", {"{%66-88}"}},
          {"steps", {"{%3200-14800}"}},
          {"sleep", {"{%5-8}.{%0-9}"}},
          {"med",
           {"metformin 500 mg", "lisinopril 10 mg", "vitamin D 1000 IU", "atorvastatin 20 mg", "an iron supplement"}},
          {"workout",
           {"5 km run", "45-minute yoga class", "strength session", "30-minute bike ride", "swim", "interval session"}},
          {"workout.kind", {"run", "yoga", "strength", "cycling", "swim", "hiit"}},
          {"kcal", {"{%120-640}"}},
          {"doctor", {"Dr. Patel", "Dr. Okafor", "Dr. Lindqvist", "Dr. Moreau"}},
          {"clinic", {"Riverside Family Clinic", "Northgate Health Center", "St. Anne's Outpatient"}},
          {"clinic.phone", {"+1 206 555 0148", "+1 206 555 0199", "+1 206 555 0112"}},
          {"symptom",
           {"a headache that keeps coming back", "sore knees after running", "trouble sleeping", "a scratchy throat",
            "lower back pain"}},
          {"goal", {"10000", "8000"}},
      });
  d.openers = {
      "Health assistant for {user}. Data stays on this device. Tools: log_vitals, get_sleep_summary, "
      "schedule_medication, log_workout, find_appointments, book_appointment, get_activity. Not a substitute for "
      "medical advice.",
      "Health session. Primary care: {doctor}, {clinic} ({clinic.phone})."};
  d.tool_errors = {"wearable sync in progress, data locked", "clinic booking system unavailable (HTTP 503)",
                   "no sleep data for the requested range", "invalid reading: diastolic above systolic"};
  d.failure_replies = {"I couldn't do that: {error}. Please try again shortly.",
                       "Something went wrong ({error}); your health log wasn't changed."};
  d.closings.push_back({"Thanks, I'll try to sleep earlier.", "Good plan - rest well, {user_first}."});

  d.scenarios.push_back(scenario(
      {"Log my blood pressure: {sys} over {dia}, pulse {bpm}.",
       "BP this morning was {sys}/{dia}, heart rate {bpm}. Please record it.",
       "Record vitals: {sys}/{dia}, {bpm} bpm."},
      "Record the blood pressure and pulse reading with the current time, then compare with the 7-day average.",
      {{"log_vitals", R"j({"systolic": {sys}, "diastolic": {dia}, "pulse_bpm": {bpm}, "position": "seated"})j",
        R"j({"logged": true, "avg_7d": {"systolic": {sys2}, "diastolic": {dia2}, "pulse_bpm": {bpm2}}})j"}},
      {"Logged {sys}/{dia} with a pulse of {bpm} bpm. Your 7-day average is {sys2}/{dia2}.",
       "Recorded. {sys}/{dia} is close to your weekly average of {sys2}/{dia2}; pulse {bpm} bpm."},
      {{"Is that normal?",
        "It's within the range your doctor set, but this isn't medical advice - mention any readings above 140/90 to "
        "{doctor}."},
       {"Show me the trend.", "Systolic has hovered between {sys2} and {sys} this week, with no upward trend."}}));

  d.scenarios.push_back(scenario(
      {"How did I sleep this week?", "What was my average sleep lately?", "Did I get enough sleep last night?"},
      "Summarise the last 7 nights of sleep from the wearable: average, last night, deep sleep and resting heart rate.",
      {{"get_sleep_summary", R"j({"range": "7d", "source": "wearable"})j",
        R"j({"avg_hours": {sleep}, "last_night_hours": {sleep2}, "deep_pct": {%12-24}, "resting_hr": {bpm}})j"}},
      {"You averaged {sleep} hours a night this week; last night was {sleep2} hours, with a resting heart rate of "
       "{bpm} bpm.",
       "Last night: {sleep2} h. Weekly average: {sleep} h. Resting heart rate {bpm} bpm."},
      {{"Any tips?", "A consistent bedtime and no screens for the last hour usually help. Not medical advice."}}));

  d.scenarios.push_back(scenario(
      {"Remind me to take {med} every morning at 8.", "Set up a daily reminder for {med}.",
       "I started {med} - can you track my doses?"},
      "Create a daily 08:00 medication schedule for {med} with a refill alert.",
      {{"schedule_medication",
        R"j({"medication": "{med}", "schedule": "daily", "time": "08:00", "refill_alert": true})j",
        R"j({"schedule_id": "med_{%100-999}", "next_dose": "{tomorrow_date}T08:00:00"})j"}},
      {"Daily reminder set for {med} at 08:00, starting tomorrow. I'll also warn you before you run out.",
       "Done - {med} every morning at 8, first reminder {tomorrow}."},
      {{"What if I miss a dose?",
        "I'll remind you again after an hour; for what to do about missed doses, ask {doctor} or your pharmacist."}}));

  d.scenarios.push_back(scenario(
      {"I just did a {workout}. Log it.", "Add today's {workout} to my activity log.", "Log a {workout}, felt good."},
      "Log the workout with its duration and heart rate, then report calories and weekly active minutes.",
      {{"log_workout",
        R"j({"type": "{workout.kind}", "description": "{workout}", "duration_min": {dur}, "avg_hr": {bpm}})j",
        R"j({"logged": true, "calories": {kcal}, "weekly_active_min": {%60-320}})j"}},
      {"Nice work - logged your {workout}: about {kcal} kcal at an average of {bpm} bpm.",
       "{workout} logged ({dur} min, {kcal} kcal)."},
      {{"How many workouts this week?", "That makes {%2-5} sessions this week."}}));

  d.scenarios.push_back(scenario(
      {"Book a follow-up with {doctor} about {symptom}.",
       "I need to see {doctor} about {symptom} - find me an appointment.",
       "Can you get me in with {doctor} this week? I have {symptom}."},
      "Find open appointments with {doctor} at {clinic} this week and book the earliest that fits the user's calendar.",
      {{"find_appointments", R"j({"provider": "{doctor}", "clinic": "{clinic}", "from": "{date}", "days": 7})j",
        R"j({"slots": ["{day_date}T{time}:00", "{day_date}T{time2}:00"]})j"},
       {"book_appointment",
        R"j({"provider": "{doctor}", "slot": "{day_date}T{time}:00", "reason": "{symptom}", "patient_phone": "{user_phone}"})j",
        R"j({"confirmation": "APT-{%10000-99999}", "clinic_phone": "{clinic.phone}"})j"}},
      {"Booked with {doctor} at {clinic} on {day} at {time}. If you need to change it, the clinic's number is "
       "{clinic.phone}.",
       "You're seeing {doctor} on {day} at {time} about {symptom}."},
      {{"Should I bring anything?",
        "Bring your medication list and recent readings; I can export the last 30 days of vitals as a PDF."}}));

  d.scenarios.push_back(
      scenario({"Am I hitting my step goal?", "How many steps today?", "How active have I been this week?"},
               "Read today's steps and the 7-day average from the activity tracker and compare with the goal.",
               {{"get_activity", R"j({"range": "7d", "metrics": ["steps", "active_minutes"]})j",
                 R"j({"today_steps": {steps}, "avg_steps": {steps2}, "goal": {goal}, "active_min": {%20-90}})j"}},
               {"{steps} steps so far today against a goal of {goal}; your weekly average is {steps2}.",
                "Today: {steps} steps. 7-day average: {steps2} (goal {goal})."},
               {{"What counts as active minutes?",
                 "Minutes at a brisk walking pace or with your heart rate above about 100 bpm."}}));

  d.jobs.push_back(
      {"schedule",
       "Scheduled run: weekly health report for {user}.",
       {{"get_activity", R"j({"range": "7d", "metrics": ["steps", "sleep", "resting_hr"]})j",
         R"j({"avg_steps": {steps}, "avg_sleep_h": {sleep}, "resting_hr": {bpm}})j"},
        {"weekly_health_report", R"j({"to": "{user_email}", "week_of": "{date}"})j", R"j({"sent": true})j"}},
       "Weekly report sent: {steps} steps a day on average, {sleep} h of sleep, resting heart rate {bpm} bpm."});
  d.jobs.push_back({"webhook",
                    "Webhook: the wearable finished syncing. Import the new samples.",
                    {{"import_wearable_data", R"j({"device": "watch", "since": "{date}T00:00:00Z"})j",
                      R"j({"imported": {%200-1400}, "anomalies": 0})j"}},
                    "Imported the latest wearable samples; no anomalies in heart rate or sleep."});
  return d;
}

// ---------------------------------------------------------------------------------------------
sample_domain travel_domain() {
  auto c = rgb_color::hex;
  sample_domain d = base_domain(
      "travel", "Travel", "browser", sample_layout::travel,
      {c(0x0e7490), c(0xffffff), c(0xe0f2fe), c(0xfff7ed), c(0xf97316), c(0x65a30d), c(0x1e293b), c(0x64748b)});
  d.window_title = "Trips - Travel - {city2}";
  d.url = "https://travel.example.com/trips/{pnr}";
  add_lists(d,
            {
                {"city",
                 {"Lisbon", "Tokyo", "Chicago", "Berlin", "Denver", "Singapore", "Montreal", "Reykjavik", "Barcelona",
                  "Seattle"}},
                {"city.code", {"LIS", "HND", "ORD", "BER", "DEN", "SIN", "YUL", "KEF", "BCN", "SEA"}},
                {"airline",
                 {"TAP Air Portugal", "ANA", "United", "Lufthansa", "Air Canada", "Icelandair", "Alaska Airlines"}},
                {"airline.code", {"TP", "NH", "UA", "LH", "AC", "FI", "AS"}},
                {"flight", {"{airline.code}{%100-999}"}},
                {"hotel", {"Hotel Avenida Palace", "Park Hyatt", "The Hoxton", "Motel One", "Ace Hotel", "Hotel Arts"}},
                {"fare", {"{%180-1450}"}},
                {"nights", {"{%2-7}"}},
                {"rate", {"{%110-420}"}},
                {"seat", {"12A", "23F", "4A", "31K", "17A"}},
                {"gate", {"{%1-40}"}},
                {"delay", {"{%15-95}"}},
                {"pnr", {"QX7K2L", "M4TR9B", "ZP3W8D", "HN6Y2C", "RB8V5T", "LW2J7N"}},
            });
  d.openers = {
      "Travel agent for {user}. Home airport {city.code}. Tools: search_flights, search_hotels, book_hotel, check_in, "
      "get_itinerary, flight_status. Loyalty: {airline} frequent flyer.",
      "Traveller profile: {user}, {user_email}, mobile {user_phone}. Prefers window seats and nonstop flights."};
  d.tool_errors = {"airline API timeout (GDS)", "no availability for the requested dates",
                   "payment declined by card issuer", "booking reference {pnr} not found"};
  d.failure_replies = {"I couldn't complete that - {error}. Nothing was booked or charged.",
                       "The booking system returned an error ({error}). Want me to try other dates?"};
  d.closings.push_back({"Thanks, can't wait for the trip.", "Have a great time in {city2}!"});

  d.scenarios.push_back(scenario(
      {"Find me a flight from {city} to {city2} on {day}.",
       "What flights are there from {city.code} to {city2.code} on {day_date}?",
       "I need to get to {city2} from {city} on {day} - what are my options?"},
      "Search economy flights {city.code} to {city2.code} on {day_date}, nonstop first, and list the best options by "
      "price and time.",
      {{"search_flights",
        R"j({"origin": "{city.code}", "destination": "{city2.code}", "date": "{day_date}", "cabin": "economy", "passengers": 1})j",
        R"j({"results": [{"flight": "{flight}", "airline": "{airline}", "depart": "{time}", "stops": 0, "price_usd": {fare}}, {"flight": "{flight2}", "airline": "{airline2}", "depart": "{time2}", "stops": 1, "price_usd": {fare2}}]})j"}},
      {"Best option: {airline} {flight}, nonstop, leaving {city} at {time} for ${fare}. There's also {flight2} at "
       "{time2} with one stop for ${fare2}.",
       "{flight} ({airline}) departs {city.code} at {time}, nonstop, ${fare}. Cheaper alternatives have a connection."},
      {{"Which one has better legroom?",
        "{airline}'s aircraft on that route has 31-inch pitch in economy, a bit more than {airline2}."},
       {"How long is the layover on the second one?", "About {%1-3} hours {%5-55} minutes."}}));

  d.scenarios.push_back(scenario(
      {"Book a hotel in {city2} for {nights} nights near the center.",
       "Find me somewhere to stay in {city2} from {day}, {nights} nights."},
      "Search hotels in central {city2} for {nights} nights from {day_date}, pick a well-rated option within budget, "
      "and book it.",
      {{"search_hotels", R"j({"city": "{city2}", "check_in": "{day_date}", "nights": {nights}, "max_rate_usd": 450})j",
        R"j({"results": [{"name": "{hotel}", "rate_usd": {rate}, "rating": 4.{%3-8}}, {"name": "{hotel2}", "rate_usd": {rate2}, "rating": 4.{%1-6}}]})j"},
       {"book_hotel",
        R"j({"name": "{hotel}", "check_in": "{day_date}", "nights": {nights}, "guest": "{user}", "email": "{user_email}"})j",
        R"j({"confirmation": "{pnr}", "status": "confirmed"})j"}},
      {"Booked {hotel} in {city2}: {nights} nights from {day_date} at ${rate}/night. Confirmation {pnr} was sent to "
       "{user_email}.",
       "You're staying at {hotel} for {nights} nights (${rate} a night). Reference {pnr}."},
      {{"Is breakfast included?", "Yes, the rate at {hotel} includes breakfast."},
       {"How far is it from the airport?", "About {%20-55} minutes by taxi from {city2.code}."}}));

  d.scenarios.push_back(scenario(
      {"Check me in for {flight} and get me a window seat.", "Can you do online check-in for my {city2} flight?"},
      "Check in for {flight} on booking {pnr} with a window seat preference.",
      {{"check_in", R"j({"booking_ref": "{pnr}", "flight": "{flight}", "seat_preference": "window"})j",
        R"j({"seat": "{seat}", "boarding_group": {%1-5}, "boarding_pass_url": "https://travel.example.com/bp/{pnr}"})j"}},
      {"You're checked in on {flight} - seat {seat}, by the window. The boarding pass is on your trips page.",
       "Checked in: {flight}, seat {seat}."},
      {{"What time should I get to the airport?",
        "For an international departure, plan on being there 2.5-3 hours before {time}."}}));

  d.scenarios.push_back(scenario(
      {"What's my itinerary for the {city2} trip?", "Remind me of my travel plans for {city2}."},
      "Fetch the {city2} trip and summarise flights and hotel.",
      {{"get_itinerary", R"j({"trip": "{city2} {month}"})j",
        R"j({"flights": [{"flight": "{flight}", "from": "{city.code}", "to": "{city2.code}", "date": "{day_date}", "depart": "{time}"}], "hotel": {"name": "{hotel}", "nights": {nights}}, "booking_ref": "{pnr}"})j"}},
      {"You fly {city.code} to {city2.code} on {flight}, {day_date} at {time}, then stay {nights} nights at {hotel}. "
       "Booking reference {pnr}.",
       "{day}: {flight} from {city} at {time}; {nights} nights at {hotel} in {city2}."},
      {{"Do I need a visa?",
        "For a short tourist stay in {city2} most passport holders don't, but check the official guidance before you "
        "go."}}));

  d.scenarios.push_back(
      scenario({"Is {flight} on time?", "Any delays on my flight to {city2}?", "What's the status of {flight} today?"},
               "Check the live status of {flight} for today.",
               {{"flight_status", R"j({"flight": "{flight}", "date": "{date}"})j",
                 R"j({"status": "delayed", "delay_min": {delay}, "new_departure": "{time}", "gate": "B{gate}"})j"}},
               {"{flight} is delayed by {delay} minutes; it now leaves at {time} from gate B{gate}.",
                "Delayed {delay} min - new departure {time}, gate B{gate}."},
               {{"Will I make my connection?",
                 "You'd still have about {%40-80} minutes at {city2.code}, which should be enough."}}));

  d.jobs.push_back({"webhook",
                    "Webhook: {airline} reported a schedule change on {flight}.",
                    {{"flight_status", R"j({"flight": "{flight}", "date": "{day_date}"})j",
                      R"j({"status": "rescheduled", "new_departure": "{time}"})j"},
                     {"notify_traveler", R"j({"phone": "{user_phone}", "message": "{flight} now departs at {time}"})j",
                      R"j("sms sent")j"}},
                    "{flight} was moved to {time}; I texted {user_phone}."});
  d.jobs.push_back(
      {"schedule",
       "Scheduled run: fare watch {city.code}-{city2.code}.",
       {{"search_flights",
         R"j({"origin": "{city.code}", "destination": "{city2.code}", "date": "{day_date}", "cabin": "economy", "passengers": 1})j",
         R"j({"lowest_usd": {fare}, "flight": "{flight}"})j"}},
       "Fare watch {city.code}-{city2.code}: lowest fare is now ${fare} on {flight}."});
  return d;
}

}  // namespace

std::vector<std::string> sample_domain::tool_names() const {
  std::vector<std::string> names;
  auto add = [&](const std::vector<sample_tool>& tools) {
    for (const auto& t : tools)
      if (std::find(names.begin(), names.end(), t.name) == names.end()) names.push_back(t.name);
  };
  for (const auto& s : scenarios) add(s.tools);
  for (const auto& j : jobs) add(j.tools);
  return names;
}

const std::vector<sample_domain>& sample_domains() {
  static const std::vector<sample_domain> domains = {calendar_domain(), mail_domain(),   code_domain(),
                                                     finance_domain(),  health_domain(), travel_domain()};
  return domains;
}

}  // namespace atn
