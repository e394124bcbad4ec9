#include "search/index.hpp"
#include "log/log.hpp"

#include <xapian.h>

#include <algorithm>
#include <cctype>
#include <iostream>
#include <optional>

namespace parley::search {
namespace {

// Value slots.
constexpr Xapian::valueno conversation_slot = 0;  // every document: its conversation (collapse key)
constexpr Xapian::valueno time_slot = 1;          // sortable time: newest first

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Boolean terms are capped: Xapian refuses terms over 245 bytes.
std::string term(const std::string& prefix, const std::string& value) { return prefix + value.substr(0, 200); }

}  // namespace

struct Index::Impl {
  explicit Impl(const std::filesystem::path& dir) : db(dir.string(), Xapian::DB_CREATE_OR_OPEN) {
    generator.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
    parser.set_database(db);
    parser.set_default_op(Xapian::Query::OP_AND);
  }
  Xapian::WritableDatabase db;
  Xapian::TermGenerator generator;
  Xapian::QueryParser parser;
  std::size_t uncommitted = 0;
};

struct Index::Work {
  std::vector<std::string> removed;
  std::vector<parley::state::v1::ConversationRecord> conversations;
  std::vector<parley::v1::Message> messages;
  std::optional<Query> query;
  std::function<void(std::vector<Hit>, std::string)> done;
};

Index::Index(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  try {
    impl_ = std::make_unique<Impl>(dir);
  } catch (const Xapian::Error& e) {
    throw std::runtime_error("search index " + dir.string() + ": " + e.get_description());
  }
  thread_ = std::thread([this] { run(); });
}

Index::~Index() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  try {
    impl_->db.commit();
  } catch (const Xapian::Error& e) {
    log::error("search", "the index could not be committed", {{"error", e.get_description()}});
  }
}

void Index::add(const store::StoreBatch& committed) {
  if (!committed.erased_conversations.empty()) remove(committed.erased_conversations);
  Work work;
  for (const auto& m : committed.messages)
    if (!m.system() && !m.text().empty()) work.messages.push_back(m);
  for (const auto& c : committed.state.conversations()) {
    auto& copy = work.conversations.emplace_back();
    *copy.mutable_info() = c.info();
  }
  if (work.messages.empty() && work.conversations.empty()) return;
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= max_queued) {
      if (dropped_++ == 0) log::error("search", "the index is behind; new messages are not searchable", {{"queued", queue_.size()}});
      return;
    }
    queue_.push_back(std::move(work));
  }
  wake_.notify_one();
}

void Index::remove(std::vector<std::string> conversation_ids) {
  if (conversation_ids.empty()) return;
  Work work;
  work.removed = std::move(conversation_ids);
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(work));  // never dropped: forgetting is not optional
  }
  wake_.notify_one();
}

void Index::search(Query query, std::function<void(std::vector<Hit>, std::string)> done) {
  Work work;
  work.query = std::move(query);
  work.done = std::move(done);
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(work));  // searches are never dropped: the HTTP layer bounds them
  }
  wake_.notify_one();
}

void Index::run() {
  for (;;) {
    Work work;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      work = std::move(queue_.front());
      queue_.pop_front();
    }
    auto& db = impl_->db;
    try {
      if (work.query) {
        // What a search has seen is on disk before it answers (a crash right
        // after cannot make the index forget it).
        if (impl_->uncommitted > 0) {
          db.commit();
          impl_->uncommitted = 0;
        }
        const auto& q = *work.query;
        Xapian::Query match;
        if (!q.customer_id.empty()) match = Xapian::Query(term("XC", q.customer_id));
        else if (!q.visitor_id.empty()) match = Xapian::Query(term("XV", q.visitor_id));
        else {
          // Quotes and AND/OR/NOT work as in a search engine; text that does
          // not parse that way (an unbalanced quote, a lone operator) is
          // taken as plain words.
          try {
            match = impl_->parser.parse_query(q.text, Xapian::QueryParser::FLAG_DEFAULT |
                                                          Xapian::QueryParser::FLAG_CJK_NGRAM);
          } catch (const Xapian::QueryParserError&) {
            match = impl_->parser.parse_query(q.text, Xapian::QueryParser::FLAG_CJK_NGRAM);
          }
        }
        Xapian::Enquire enquire(db);
        enquire.set_query(match);
        enquire.set_collapse_key(conversation_slot);
        enquire.set_sort_by_value_then_relevance(time_slot, true);
        const auto mset = enquire.get_mset(0, std::clamp<std::size_t>(q.limit, 1, max_limit));
        std::vector<Hit> hits;
        for (auto it = mset.begin(); it != mset.end(); ++it) {
          const auto doc = it.get_document();
          Hit hit;
          hit.conversation_id = doc.get_value(conversation_slot);
          // The chat's own fields, from its conversation document.
          const auto id_term = term("QC", hit.conversation_id);
          auto postings = db.postlist_begin(id_term);
          if (postings != db.postlist_end(id_term)) {
            parley::v1::ConversationInfo info;
            if (info.ParseFromString(db.get_document(*postings).get_data())) {
              hit.visitor_name = info.visitor_name();
              hit.customer_id = info.customer_id();
              hit.transaction_id = info.transaction_id();
              hit.created_ms = info.created_ms();
              hit.state = info.state();
            }
          }
          if (doc.get_value(time_slot + 1) == "m") {
            hit.snippet = mset.snippet(doc.get_data(), 160, Xapian::Stem(),
                                       Xapian::MSet::SNIPPET_EXHAUSTIVE | Xapian::MSet::SNIPPET_CJK_NGRAM);
            // Chinese matches come as one highlight per character: join neighbours.
            for (auto at = hit.snippet.find("</b><b>"); at != std::string::npos; at = hit.snippet.find("</b><b>", at))
              hit.snippet.erase(at, 7);
          }
          hits.push_back(std::move(hit));
        }
        work.done(std::move(hits), {});
        continue;
      }
      for (const auto& id : work.removed) {
        db.delete_document(term("XI", id));  // its messages
        db.delete_document(term("QC", id));  // and its own document
        ++impl_->uncommitted;
      }
      auto& generator = impl_->generator;
      for (const auto& c : work.conversations) {
        const auto& info = c.info();
        Xapian::Document doc;
        generator.set_document(doc);
        for (const auto* field : {&info.visitor_name(), &info.email(), &info.customer_id(), &info.subject(),
                                  &info.transaction_id()}) {
          generator.index_text(*field);
          generator.increase_termpos();
        }
        if (!info.customer_id().empty()) doc.add_boolean_term(term("XC", info.customer_id()));
        if (!info.visitor_id().empty()) doc.add_boolean_term(term("XV", info.visitor_id()));
        if (!info.email().empty()) doc.add_boolean_term(term("XE", lower(info.email())));
        if (!info.transaction_id().empty()) doc.add_boolean_term(term("XT", lower(info.transaction_id())));
        doc.add_value(conversation_slot, info.conversation_id());
        doc.add_value(time_slot, Xapian::sortable_serialise(static_cast<double>(info.created_ms())));
        doc.add_value(time_slot + 1, "c");
        doc.set_data(info.SerializeAsString());
        const auto id_term = term("QC", info.conversation_id());
        doc.add_boolean_term(id_term);
        db.replace_document(id_term, doc);
        ++impl_->uncommitted;
      }
      for (const auto& m : work.messages) {
        Xapian::Document doc;
        generator.set_document(doc);
        generator.index_text(m.text());
        doc.add_value(conversation_slot, m.conversation_id());
        doc.add_value(time_slot, Xapian::sortable_serialise(static_cast<double>(m.server_time_ms())));
        doc.add_value(time_slot + 1, "m");
        doc.add_boolean_term(term("XI", m.conversation_id()));
        doc.set_data(m.text());
        const auto id_term = term("QM", m.conversation_id() + ":" + std::to_string(m.seq()));
        doc.add_boolean_term(id_term);
        db.replace_document(id_term, doc);
        ++impl_->uncommitted;
      }
      // Committed to disk when the queue runs dry or every thousand documents.
      bool idle;
      {
        std::lock_guard lock(mutex_);
        idle = queue_.empty();
      }
      if (impl_->uncommitted >= 1000 || (idle && impl_->uncommitted > 0)) {
        db.commit();
        impl_->uncommitted = 0;
      }
    } catch (const Xapian::Error& e) {
      log::error("search", "indexing or a search failed", {{"error", e.get_description()}});
      if (work.done) work.done({}, "the search could not be run: " + e.get_description());
    }
  }
}

}  // namespace parley::search
