//! Prints the weight matrix of every attention variant on "I love you".
//!
//! ```text
//! cargo run --release -p attention-examples --example variants
//! ```

fn main() {
    let device = trainer::device::select(std::env::args().nth(1).as_deref()).unwrap_or_else(|error| {
        eprintln!("error: {error}");
        std::process::exit(2);
    });
    print!("{}", attention_examples::variants::report(&device, 42));
}
