#pragma once
// Per-worker socket deadlines without a timer per operation. An operation arms
// its entry (a duration: no clock read, no syscall, no allocation); one periodic
// sweep per worker starts the countdowns it has not seen yet and cancels the
// sockets whose deadline has passed, and the operation then sees
// operation_aborted with `fired` set. Coarse (a deadline d fires within
// [d, d + 2 sweep periods], periods of 20 ms) but nearly free on the hot path,
// where a timer per read/write would cost an allocation and often a timerfd
// update. Single-threaded: one worker's loop only.
#include <chrono>

#include <boost/asio/ip/tcp.hpp>

namespace sr::upstream {

class Deadlines {
 public:
  using Clock = std::chrono::steady_clock;

  class Entry {
   public:
    Entry() = default;
    Entry(const Entry&) = delete;
    Entry& operator=(const Entry&) = delete;
    ~Entry() {
      if (owner_) owner_->remove(*this);
    }
    //! Starts a deadline of at least `d` for the next operation(s). No clock is
    //! read here: the next sweep starts the countdown from its own `now` (which
    //! is after this call), so a deadline never fires early and fires at most
    //! two sweep periods late. Most operations finish before any sweep sees them.
    void arm(Clock::duration d) {
      pending_ = d;
      armed_ = true;
      at_ = Clock::time_point::max();
      fired_ = false;
    }
    void disarm() {
      armed_ = false;
      at_ = Clock::time_point::max();
    }
    //! Armed for the lifetime of the scope: one deadline over an operation
    //! of several reads (a response head, a whole body).
    class Scope {
     public:
      Scope(Entry& e, Clock::duration d) : e_(e) { e_.arm(d); }
      ~Scope() { e_.disarm(); }
      Scope(const Scope&) = delete;
      Scope& operator=(const Scope&) = delete;

     private:
      Entry& e_;
    };
    //! True when the sweep cancelled the socket because the deadline passed.
    bool fired() const { return fired_; }

   private:
    friend class Deadlines;
    Clock::time_point at_ = Clock::time_point::max();
    Clock::duration pending_{};
    bool armed_ = false;  // armed, countdown not started by a sweep yet
    boost::asio::ip::tcp::socket* socket_ = nullptr;
    bool fired_ = false;
    Entry* prev_ = nullptr;
    Entry* next_ = nullptr;
    Deadlines* owner_ = nullptr;
  };

  Deadlines() = default;
  Deadlines(const Deadlines&) = delete;
  Deadlines& operator=(const Deadlines&) = delete;
  ~Deadlines() {
    for (Entry* e = head_; e; e = e->next_) e->owner_ = nullptr;
  }

  //! Watches `socket` through `e` until `e` is destroyed.
  void add(Entry& e, boost::asio::ip::tcp::socket& socket) {
    e.socket_ = &socket;
    e.owner_ = this;
    e.prev_ = nullptr;
    e.next_ = head_;
    if (head_) head_->prev_ = &e;
    head_ = &e;
  }
  void remove(Entry& e) {
    if (e.prev_) e.prev_->next_ = e.next_;
    else if (head_ == &e) head_ = e.next_;
    if (e.next_) e.next_->prev_ = e.prev_;
    e.prev_ = e.next_ = nullptr;
    e.owner_ = nullptr;
  }
  //! Starts the countdown of newly armed entries and cancels the sockets of
  //! every entry whose deadline is at or before `now`.
  void sweep(Clock::time_point now) {
    for (Entry* e = head_; e; e = e->next_) {
      if (e->armed_) {
        e->armed_ = false;
        e->at_ = now + e->pending_;
      }
      if (!e->fired_ && e->at_ <= now) {
        e->fired_ = true;
        e->at_ = Clock::time_point::max();
        boost::system::error_code ignore;
        e->socket_->cancel(ignore);
      }
    }
  }

 private:
  Entry* head_ = nullptr;
};

}  // namespace sr::upstream
