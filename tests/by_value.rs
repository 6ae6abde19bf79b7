//! Parameters taken by value: moved at the last use, cloned exactly once per
//! earlier use, never cloned when not needed; intermediates dropped right
//! after their last consumer.

use hypernodes::prelude::*;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// Not `Clone`: the pipeline must move it.
#[derive(Debug, PartialEq)]
pub struct Ticket {
    number: u32,
}

pipeline! {
    /// `label` borrows the ticket, `redeemed` takes it; `ticket` is not
    /// returned, so it needs no `Clone`.
    #[outputs(label, redeemed)]
    struct Redeem {
        fn ticket(number: u32) -> Ticket { Ticket { number } }
        fn label(ticket: &Ticket) -> String { format!("ticket #{}", ticket.number) }
        fn redeemed(ticket: Ticket, label: &str) -> (Ticket, usize) { let len = label.len(); (ticket, len) }
    }
}

#[test]
fn a_non_clone_value_is_moved_to_its_last_consumer() {
    let out = Redeem.run(RedeemInputs { number: 7 }).unwrap();
    assert_eq!(out.label, "ticket #7");
    assert_eq!(out.redeemed, (Ticket { number: 7 }, 9));
    let names: Vec<_> = Redeem::NODES.iter().map(|node| node.name).collect();
    assert_eq!(names, ["ticket", "label", "redeemed"]);
}

/// Counts its clones in a counter shared with the test; carries a heap
/// allocation whose address tells the original from a clone.
#[derive(Debug)]
pub struct Counted {
    clones: Rc<Cell<u32>>,
    payload: Box<u64>,
}

impl Clone for Counted {
    fn clone(&self) -> Self {
        self.clones.set(self.clones.get() + 1);
        Counted {
            clones: Rc::clone(&self.clones),
            payload: self.payload.clone(),
        }
    }
}

impl Counted {
    fn address(&self) -> usize {
        std::ptr::from_ref::<u64>(&self.payload) as usize
    }
}

pipeline! {
    /// Two nodes take `counted` by value, and the outputs return it too.
    struct TwoTakers {
        fn counted(clones: &Rc<Cell<u32>>, log: &Rc<RefCell<Vec<usize>>>) -> Counted {
            let value = Counted { clones: Rc::clone(clones), payload: Box::new(5) };
            log.borrow_mut().push(value.address());
            value
        }
        fn first_taker(counted: Counted) -> usize { counted.address() }
        fn second_taker(counted: Counted, first_taker: usize) -> [usize; 2] { [first_taker, counted.address()] }
    }
}

#[test]
fn a_returned_value_taken_by_two_nodes_is_cloned_for_each() {
    let clones = Rc::new(Cell::new(0));
    let log = Rc::new(RefCell::new(Vec::new()));
    let out = TwoTakers
        .run(TwoTakersInputs {
            clones: Rc::clone(&clones),
            log: Rc::clone(&log),
        })
        .unwrap();
    // Returning `counted` is its last use: both takers get a clone.
    assert_eq!(clones.get(), 2);
    assert_eq!(
        out.counted.address(),
        log.borrow()[0],
        "the outputs hold the original"
    );
    let [first, second] = out.second_taker;
    assert_eq!(first, out.first_taker);
    assert_ne!(first, log.borrow()[0]);
    assert_ne!(second, log.borrow()[0]);
}

pipeline! {
    /// Records the producer's allocation to tell the moved original apart.
    #[outputs(last)]
    struct Identity {
        fn made(clones: &Rc<Cell<u32>>, log: &Rc<RefCell<Vec<usize>>>) -> Counted {
            let value = Counted { clones: Rc::clone(clones), payload: Box::new(1) };
            log.borrow_mut().push(value.address());
            value
        }
        fn early(made: Counted) -> usize { made.address() }
        fn last(made: Counted, early: usize) -> [usize; 2] { [early, made.address()] }
    }
}

#[test]
fn the_last_consumer_gets_the_original() {
    let clones = Rc::new(Cell::new(0));
    let log = Rc::new(RefCell::new(Vec::new()));
    let out = Identity
        .run(IdentityInputs {
            clones: Rc::clone(&clones),
            log: Rc::clone(&log),
        })
        .unwrap();
    let original = log.borrow()[0];
    let [early, last] = out.last;
    assert_eq!(last, original, "the last consumer got the moved original");
    assert_ne!(early, original, "the early consumer got a clone");
    assert_eq!(clones.get(), 1);
}

pipeline! {
    /// `kept` is returned and taken by value by one node.
    struct ReturnedAndTaken {
        fn kept(clones: &Rc<Cell<u32>>, log: &Rc<RefCell<Vec<usize>>>) -> Counted {
            let value = Counted { clones: Rc::clone(clones), payload: Box::new(2) };
            log.borrow_mut().push(value.address());
            value
        }
        fn taker(kept: Counted) -> usize { kept.address() }
    }
}

#[test]
fn a_returned_value_is_cloned_once_for_a_by_value_node() {
    let clones = Rc::new(Cell::new(0));
    let log = Rc::new(RefCell::new(Vec::new()));
    let out = ReturnedAndTaken
        .run(ReturnedAndTakenInputs {
            clones: Rc::clone(&clones),
            log: Rc::clone(&log),
        })
        .unwrap();
    assert_eq!(clones.get(), 1);
    assert_eq!(
        out.kept.address(),
        log.borrow()[0],
        "the outputs hold the original"
    );
    assert_ne!(out.taker, log.borrow()[0], "the node got the clone");
    assert_eq!(*out.kept.payload, 2);
}

pipeline! {
    /// A value borrowed once and never taken is never cloned.
    struct OnlyBorrowed {
        fn shared(clones: &Rc<Cell<u32>>) -> Counted { Counted { clones: Rc::clone(clones), payload: Box::new(3) } }
        fn reader_a(shared: &Counted) -> u64 { *shared.payload }
        fn reader_b(shared: &Counted, reader_a: u64) -> u64 { *shared.payload + reader_a }
    }
}

#[test]
fn borrowed_values_are_never_cloned() {
    let clones = Rc::new(Cell::new(0));
    let out = OnlyBorrowed
        .run(OnlyBorrowedInputs {
            clones: Rc::clone(&clones),
        })
        .unwrap();
    assert_eq!((out.reader_a, out.reader_b), (3, 6));
    assert_eq!(clones.get(), 0);
}

type Log = Rc<RefCell<Vec<String>>>;

/// Records its drop.
pub struct Noisy {
    name: &'static str,
    log: Log,
}

impl Drop for Noisy {
    fn drop(&mut self) {
        self.log.borrow_mut().push(format!("drop {}", self.name));
    }
}

pipeline! {
    /// `noisy` and the input `guard` are last borrowed by `measure`; `after`
    /// runs later.
    #[outputs(after)]
    struct Drops {
        fn noisy(log: &Log) -> Noisy {
            log.borrow_mut().push("make".to_owned());
            Noisy { name: "noisy", log: Rc::clone(log) }
        }
        fn measure(noisy: &Noisy, guard: &Noisy) -> usize {
            assert_eq!(guard.name, "guard");
            noisy.log.borrow_mut().push("measure".to_owned());
            noisy.name.len()
        }
        fn after(measure: usize, log: &Log) -> usize { log.borrow_mut().push("after".to_owned()); measure }
    }
}

#[test]
fn intermediates_are_dropped_after_their_last_consumer() {
    let log: Log = Rc::default();
    let guard = Noisy {
        name: "guard",
        log: Rc::clone(&log),
    };
    let out = Drops
        .run(DropsInputs {
            log: Rc::clone(&log),
            guard,
        })
        .unwrap();
    assert_eq!(out.after, 5);
    let mut events = log.borrow().clone();
    assert_eq!(events[..2], ["make", "measure"]);
    assert_eq!(events[4], "after");
    // Both dropped between `measure` and `after`, in either order.
    events[2..4].sort();
    assert_eq!(events[2..4], ["drop guard", "drop noisy"]);
    assert_eq!(events.len(), 5);
}

pipeline! {
    /// Nothing uses the `unwanted` half of the tuple: dropped at once.
    #[outputs(later)]
    struct UnusedElement {
        #[node(output = (unwanted, keep))]
        fn split(log: &Log) -> (Noisy, u8) {
            log.borrow_mut().push("split".to_owned());
            (Noisy { name: "unwanted", log: Rc::clone(log) }, 1)
        }
        fn later(keep: u8, log: &Log) -> u8 { log.borrow_mut().push("later".to_owned()); keep }
    }
}

#[test]
fn unused_outputs_are_dropped_at_once() {
    let log: Log = Rc::default();
    let out = UnusedElement
        .run(UnusedElementInputs {
            log: Rc::clone(&log),
        })
        .unwrap();
    assert_eq!(out.later, 1);
    assert_eq!(*log.borrow(), ["split", "drop unwanted", "later"]);
}

pipeline! {
    /// Everything returned; `spare` is used by nobody but is returned.
    struct Unused {
        fn spare(log: &Log) -> Noisy { Noisy { name: "spare", log: Rc::clone(log) } }
        fn other(log: &Log) -> u8 { log.borrow_mut().push("other".to_owned()); 2 }
    }
}

#[test]
fn returned_values_are_not_dropped_by_the_run() {
    let log: Log = Rc::default();
    let out = Unused
        .run(UnusedInputs {
            log: Rc::clone(&log),
        })
        .unwrap();
    assert_eq!(*log.borrow(), ["other"]);
    drop(out);
    assert_eq!(*log.borrow(), ["other", "drop spare"]);
}

pipeline! {
    /// An input taken by value by two nodes.
    struct InputTakers {
        fn take_a(input: Counted) -> u64 { *input.payload }
        fn take_b(input: Counted, take_a: u64) -> u64 { *input.payload + take_a }
    }
}

#[test]
fn an_input_taken_twice_is_cloned_once() {
    let clones = Rc::new(Cell::new(0));
    let input = Counted {
        clones: Rc::clone(&clones),
        payload: Box::new(4),
    };
    let out = InputTakers.run(InputTakersInputs { input }).unwrap();
    assert_eq!((out.take_a, out.take_b), (4, 8));
    assert_eq!(clones.get(), 1);
}
