//! Drawing sentences at random from the seed, with a share of the draws for each construction, and keeping the
//! first `count` distinct pairs within a budget of draws.

use std::collections::HashMap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::GeneratedPair;
use super::grammar::{Det, Form, Nominal, NounPhrase, Sentence, Tense, is_acceptable, render};
use super::lexicon::{ADJECTIVES, NOUNS, Noun, PRONOUNS, PastUse, Pron, Slot, VERBS};

pub(super) fn draw_budget(count: usize) -> usize {
    count.saturating_mul(20).saturating_add(10_000)
}

/// Also returns how many draws rendered an English sentence already seen with another French one, or the
/// reverse: a non-zero count would mean the grammar is not one-to-one.
pub(super) fn generate_counting_conflicts(seed: u64, count: usize, max_draws: usize) -> (Vec<GeneratedPair>, usize) {
    let mut rng = StdRng::seed_from_u64(seed);
    // The cap keeps an absurd `count` from reserving memory up front.
    let mut pairs: Vec<GeneratedPair> = Vec::with_capacity(count.min(1 << 20));
    let mut by_english: HashMap<String, usize> = HashMap::new();
    let mut by_french: HashMap<String, usize> = HashMap::new();
    let mut conflicts = 0;
    let mut draws = 0;
    while pairs.len() < count && draws < max_draws {
        draws += 1;
        let Some(sentence) = random_sentence(&mut rng) else {
            continue;
        };
        if !is_acceptable(&sentence) {
            continue;
        }
        let pair = render(&sentence);
        match (by_english.get(&pair.english), by_french.get(&pair.french)) {
            (None, None) => {
                by_english.insert(pair.english.clone(), pairs.len());
                by_french.insert(pair.french.clone(), pairs.len());
                pairs.push(pair);
            }
            (Some(e), Some(f)) if e == f => {}
            _ => conflicts += 1,
        }
    }
    (pairs, conflicts)
}

// Draw shares chosen so that, once duplicates are dropped, about a third of the pairs have an object pronoun: the
// pronoun-subject sentences are few and lose many draws to duplicates.
const PRONOUN_OBJECT_SHARE: f64 = 0.31;
const INDIRECT_PRONOUN_SHARE: f64 = 0.05;
const NOUN_OBJECT_SHARE: f64 = 0.39;
const INDIRECT_NOUN_SHARE: f64 = 0.05;
const PRONOUN_SUBJECT_SHARE: f64 = 0.25;

fn random_sentence(rng: &mut StdRng) -> Option<Sentence> {
    let mut roll: f64 = rng.random();
    for (share, slots, pronoun_object) in [
        (PRONOUN_OBJECT_SHARE, &[Slot::Clitic][..], true),
        (INDIRECT_PRONOUN_SHARE, &[Slot::Indirect][..], true),
        (NOUN_OBJECT_SHARE, &[Slot::Clitic, Slot::NounOnly][..], false),
        (INDIRECT_NOUN_SHARE, &[Slot::Indirect][..], false),
    ] {
        if roll < share {
            return random_action(rng, slots, pronoun_object);
        }
        roll -= share;
    }
    random_description(rng)
}

fn random_action(rng: &mut StdRng, slots: &[Slot], pronoun_object: bool) -> Option<Sentence> {
    let verb_index = pick(rng, (0..VERBS.len()).filter(|&v| slots.contains(&VERBS[v].slot)))?;
    let verb = &VERBS[verb_index];
    let tense = if verb.past != PastUse::Never && rng.random_bool(0.4) {
        Tense::Past
    } else {
        Tense::Present
    };
    let form = random_form(rng);
    let subject = if rng.random_bool(PRONOUN_SUBJECT_SHARE) {
        Nominal::Pron(random_pronoun(rng))
    } else {
        Nominal::Noun(random_noun_phrase(rng, verb.subjects, false)?)
    };
    let object = if pronoun_object {
        Nominal::Pron(random_pronoun(rng))
    } else {
        Nominal::Noun(random_noun_phrase(
            rng,
            verb.objects,
            verb.indefinite && verb.slot != Slot::Indirect,
        )?)
    };
    Some(Sentence::Action {
        subject,
        verb: verb_index,
        object,
        tense,
        form,
    })
}

fn random_description(rng: &mut StdRng) -> Option<Sentence> {
    let form = random_form(rng);
    // Only a couple of hundred sentences have a pronoun subject, so they get a small share of the draws.
    if rng.random_bool(0.05) {
        let adjective = pick(rng, (0..ADJECTIVES.len()).filter(|&a| ADJECTIVES[a].of_people))?;
        return Some(Sentence::Description {
            subject: Nominal::Pron(random_pronoun(rng)),
            adjective,
            form,
        });
    }
    // Drawing the adjective first favours the nouns with many adjectives, which have the most sentences.
    let adjective = rng.random_range(0..ADJECTIVES.len());
    let noun_index = pick(
        rng,
        (0..NOUNS.len()).filter(|&n| ADJECTIVES[adjective].fits_predicate(n)),
    )?;
    let noun = &NOUNS[noun_index];
    let dimension = ADJECTIVES[adjective].dimension;
    let attributive = if rng.random_bool(0.6) {
        pick(
            rng,
            (0..ADJECTIVES.len()).filter(|&a| ADJECTIVES[a].fits(noun_index) && ADJECTIVES[a].dimension != dimension),
        )
    } else {
        None
    };
    let np = NounPhrase {
        noun: noun_index,
        det: random_definite(rng, noun),
        adjective: attributive,
        plural: noun.en_plural.is_some() && rng.random_bool(0.35),
    };
    Some(Sentence::Description {
        subject: Nominal::Noun(np),
        adjective,
        form,
    })
}

fn random_noun_phrase(rng: &mut StdRng, classes: u16, indefinite: bool) -> Option<NounPhrase> {
    let noun_index = pick(rng, (0..NOUNS.len()).filter(|&n| NOUNS[n].class & classes != 0))?;
    let noun = &NOUNS[noun_index];
    let countable = noun.en_plural.is_some();
    let det = if indefinite && countable && rng.random_bool(0.2) {
        Det::A
    } else {
        random_definite(rng, noun)
    };
    let plural = det != Det::A && countable && rng.random_bool(0.35);
    let adjective = if rng.random_bool(0.45) {
        Some(pick(
            rng,
            (0..ADJECTIVES.len()).filter(|&a| ADJECTIVES[a].fits(noun_index)),
        )?)
    } else {
        None
    };
    Some(NounPhrase {
        noun: noun_index,
        det,
        adjective,
        plural,
    })
}

fn random_definite(rng: &mut StdRng, noun: &Noun) -> Det {
    match rng.random_range(0..4) {
        2 if noun.takes_my => Det::My,
        3 => Det::This,
        _ => Det::The,
    }
}

fn random_pronoun(rng: &mut StdRng) -> Pron {
    PRONOUNS[rng.random_range(0..PRONOUNS.len())]
}

fn random_form(rng: &mut StdRng) -> Form {
    match rng.random_range(0..20) {
        0..=3 => Form::Question,
        4..=8 => Form::Negative,
        _ => Form::Statement,
    }
}

fn pick(rng: &mut StdRng, mut candidates: impl Iterator<Item = usize> + Clone) -> Option<usize> {
    let n = candidates.clone().count();
    if n == 0 {
        return None;
    }
    candidates.nth(rng.random_range(0..n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::french::generate;

    #[test]
    fn gives_up_after_the_draw_budget() {
        // The documented bound: fewer pairs rather than an endless loop.
        let (pairs, _) = generate_counting_conflicts(3, 1_000, 50);
        assert!(pairs.len() <= 50);
        assert_eq!(generate(3, 0), []);
    }
}
