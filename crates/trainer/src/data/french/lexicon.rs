//! The words of the grammar and their forms: nouns with their gender, plural and class, adjectives with their
//! four forms and the nouns they fit, verbs with their English forms, French present and participles and the nouns
//! they take, and the personal pronouns in each role. The rules that use them are in the docs of `data::french`.

// Noun classes are bits so that a verb or a restriction can name several at once.
pub(super) const HUMAN: u16 = 1;
pub(super) const ANIMAL: u16 = 1 << 1;
const FOOD: u16 = 1 << 2;
const READING: u16 = 1 << 3;
// Stories are heard and known but not seen or held, unlike books.
const STORY: u16 = 1 << 4;
const VEHICLE: u16 = 1 << 5;
const BUILDING: u16 = 1 << 6;
const TREE: u16 = 1 << 7;
const FLOWER: u16 = 1 << 8;
const ANIMATE: u16 = HUMAN | ANIMAL;
const CONCRETE: u16 = ANIMATE | FOOD | READING | VEHICLE | BUILDING | TREE | FLOWER;
pub(super) const ALL: u16 = CONCRETE | STORY;
pub(super) const ANIMAL_CONCERNS: u16 = ANIMATE | FOOD | TREE | FLOWER;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Gender {
    Masculine,
    Feminine,
}

pub(super) struct Noun {
    pub(super) en: &'static str,
    /// `None` for a mass noun, which takes neither a plural nor "a".
    pub(super) en_plural: Option<&'static str>,
    pub(super) fr: &'static str,
    pub(super) fr_plural: &'static str,
    pub(super) gender: Gender,
    /// One of the noun classes.
    pub(super) class: u16,
    /// False where "ma femme", "ma fille", "mon garçon" would read as my wife, my daughter, my son.
    pub(super) takes_my: bool,
}

const fn noun(
    en: &'static str,
    en_plural: Option<&'static str>,
    fr: &'static str,
    fr_plural: &'static str,
    gender: Gender,
    class: u16,
) -> Noun {
    Noun {
        en,
        en_plural,
        fr,
        fr_plural,
        gender,
        class,
        takes_my: true,
    }
}

use Gender::{Feminine as F, Masculine as M};

pub(super) const NOUNS: &[Noun] = &[
    Noun {
        takes_my: false,
        ..noun("man", Some("men"), "homme", "hommes", M, HUMAN)
    },
    Noun {
        takes_my: false,
        ..noun("woman", Some("women"), "femme", "femmes", F, HUMAN)
    },
    Noun {
        takes_my: false,
        ..noun("boy", Some("boys"), "garçon", "garçons", M, HUMAN)
    },
    Noun {
        takes_my: false,
        ..noun("girl", Some("girls"), "fille", "filles", F, HUMAN)
    },
    noun("child", Some("children"), "enfant", "enfants", M, HUMAN),
    noun("friend", Some("friends"), "ami", "amis", M, HUMAN),
    noun("teacher", Some("teachers"), "professeur", "professeurs", M, HUMAN),
    noun("cat", Some("cats"), "chat", "chats", M, ANIMAL),
    noun("dog", Some("dogs"), "chien", "chiens", M, ANIMAL),
    noun("bird", Some("birds"), "oiseau", "oiseaux", M, ANIMAL),
    noun("horse", Some("horses"), "cheval", "chevaux", M, ANIMAL),
    noun("mouse", Some("mice"), "souris", "souris", F, ANIMAL),
    noun("apple", Some("apples"), "pomme", "pommes", F, FOOD),
    noun("orange", Some("oranges"), "orange", "oranges", F, FOOD),
    noun("cake", Some("cakes"), "gâteau", "gâteaux", M, FOOD),
    noun("bread", None, "pain", "pains", M, FOOD),
    noun("book", Some("books"), "livre", "livres", M, READING),
    noun("letter", Some("letters"), "lettre", "lettres", F, READING),
    noun("newspaper", Some("newspapers"), "journal", "journaux", M, READING),
    noun("story", Some("stories"), "histoire", "histoires", F, STORY),
    noun("car", Some("cars"), "voiture", "voitures", F, VEHICLE),
    noun("house", Some("houses"), "maison", "maisons", F, BUILDING),
    noun("school", Some("schools"), "école", "écoles", F, BUILDING),
    noun("tree", Some("trees"), "arbre", "arbres", M, TREE),
    noun("flower", Some("flowers"), "fleur", "fleurs", F, FLOWER),
];

/// What an adjective describes: two of one dimension on one noun would clash (a small cat that is big).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Dimension {
    Colour,
    Mood,
    Health,
    Strength,
    Speed,
    Temperature,
    Weight,
    Interest,
    Price,
    Size,
    Beauty,
    Age,
    Length,
    Quality,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Predicative {
    Always,
    /// "le chien est bon" would read as a tasty dog.
    OfThings,
    /// "la voiture est nouvelle" is not how French says a car is new.
    Never,
}

pub(super) struct Adjective {
    pub(super) en: &'static str,
    /// Masculine singular, feminine singular, masculine plural, feminine plural.
    forms: [&'static str; 4],
    /// The masculine singular before a vowel: bel, vieil, nouvel.
    pub(super) before_vowel: Option<&'static str>,
    pub(super) before_noun: bool,
    pub(super) dimension: Dimension,
    predicative: Predicative,
    /// Whether "I am …" makes sense.
    pub(super) of_people: bool,
    /// The nouns it fits, one bit per entry of `NOUNS`.
    nouns: u32,
}

impl Adjective {
    pub(super) fn fits(&self, noun: usize) -> bool {
        self.nouns & (1 << noun) != 0
    }

    pub(super) fn fits_predicate(&self, noun: usize) -> bool {
        self.fits(noun)
            && match self.predicative {
                Predicative::Always => true,
                Predicative::OfThings => NOUNS[noun].class & ANIMATE == 0,
                Predicative::Never => false,
            }
    }

    pub(super) fn form(&self, gender: Gender, plural: bool) -> &'static str {
        self.forms[usize::from(gender == Gender::Feminine) + 2 * usize::from(plural)]
    }
}

const fn after(
    en: &'static str,
    forms: [&'static str; 4],
    dimension: Dimension,
    of_people: bool,
    nouns: &'static str,
) -> Adjective {
    Adjective {
        en,
        forms,
        before_vowel: None,
        before_noun: false,
        dimension,
        predicative: Predicative::Always,
        of_people,
        nouns: noun_set(nouns),
    }
}

const fn before(
    en: &'static str,
    forms: [&'static str; 4],
    before_vowel: Option<&'static str>,
    dimension: Dimension,
    predicative: Predicative,
    of_people: bool,
    nouns: &'static str,
) -> Adjective {
    Adjective {
        en,
        forms,
        before_vowel,
        before_noun: true,
        dimension,
        predicative,
        of_people,
        nouns: noun_set(nouns),
    }
}

/// The bits of the English nouns in the space-separated `list`. An unknown word stops the build, so a typo in the
/// adjective table cannot silently drop a combination.
const fn noun_set(list: &str) -> u32 {
    let list = list.as_bytes();
    let mut set = 0;
    let mut start = 0;
    while start < list.len() {
        let mut end = start;
        while end < list.len() && list[end] != b' ' {
            end += 1;
        }
        let mut found = false;
        let mut n = 0;
        while n < NOUNS.len() {
            let name = NOUNS[n].en.as_bytes();
            let mut k = 0;
            while k < name.len() && start + k < end && name[k] == list[start + k] {
                k += 1;
            }
            if k == name.len() && start + k == end {
                set |= 1 << n;
                found = true;
            }
            n += 1;
        }
        assert!(found, "an adjective lists a word that is not in NOUNS");
        start = end + 1;
    }
    set
}

const _: () = assert!(NOUNS.len() <= 32, "noun sets are 32-bit");

use Dimension::{
    Age, Beauty, Colour, Health, Interest, Length, Mood, Price, Quality, Size, Speed, Strength, Temperature, Weight,
};
use Predicative::{Always, Never, OfThings};

pub(super) const ADJECTIVES: &[Adjective] = &[
    after(
        "red",
        ["rouge", "rouge", "rouges", "rouges"],
        Colour,
        false,
        "car house apple flower book",
    ),
    after(
        "black",
        ["noir", "noire", "noirs", "noires"],
        Colour,
        false,
        "car book mouse horse bird dog cat",
    ),
    after(
        "white",
        ["blanc", "blanche", "blancs", "blanches"],
        Colour,
        false,
        "car house flower mouse horse bird dog cat",
    ),
    after(
        "green",
        ["vert", "verte", "verts", "vertes"],
        Colour,
        false,
        "car house apple tree book",
    ),
    after(
        "blue",
        ["bleu", "bleue", "bleus", "bleues"],
        Colour,
        false,
        "car house book flower bird",
    ),
    after(
        "happy",
        ["heureux", "heureuse", "heureux", "heureuses"],
        Mood,
        true,
        "man woman boy girl child friend teacher cat dog horse",
    ),
    after(
        "sad",
        ["triste", "triste", "tristes", "tristes"],
        Mood,
        true,
        "man woman boy girl child friend teacher dog",
    ),
    // Not "friend": "petit ami" means boyfriend.
    before(
        "small",
        ["petit", "petite", "petits", "petites"],
        None,
        Size,
        Always,
        true,
        "boy girl child cat dog horse bird mouse car house school tree flower apple orange cake book",
    ),
    // Not "man" or "woman": "un grand homme" is a great man.
    before(
        "big",
        ["grand", "grande", "grands", "grandes"],
        None,
        Size,
        Always,
        true,
        "boy girl child dog horse car house school tree",
    ),
    before(
        "beautiful",
        ["beau", "belle", "beaux", "belles"],
        Some("bel"),
        Beauty,
        Always,
        true,
        "woman girl cat horse bird car house tree flower book story letter",
    ),
    before(
        "old",
        ["vieux", "vieille", "vieux", "vieilles"],
        Some("vieil"),
        Age,
        Always,
        true,
        "man woman friend teacher dog cat horse car house school tree book newspaper story",
    ),
    after(
        "tired",
        ["fatigué", "fatiguée", "fatigués", "fatiguées"],
        Health,
        true,
        "man woman boy girl child friend teacher dog cat horse",
    ),
    after(
        "sick",
        ["malade", "malade", "malades", "malades"],
        Health,
        true,
        "man woman boy girl child friend teacher dog cat horse",
    ),
    after(
        "strong",
        ["fort", "forte", "forts", "fortes"],
        Strength,
        true,
        "man woman boy girl horse dog",
    ),
    after(
        "fast",
        ["rapide", "rapide", "rapides", "rapides"],
        Speed,
        false,
        "car horse dog",
    ),
    after("slow", ["lent", "lente", "lents", "lentes"], Speed, false, "car horse"),
    // Not of people: "I am hot" is "j'ai chaud".
    after(
        "hot",
        ["chaud", "chaude", "chauds", "chaudes"],
        Temperature,
        false,
        "bread cake",
    ),
    after(
        "cold",
        ["froid", "froide", "froids", "froides"],
        Temperature,
        false,
        "bread cake",
    ),
    after(
        "heavy",
        ["lourd", "lourde", "lourds", "lourdes"],
        Weight,
        false,
        "book car",
    ),
    after(
        "interesting",
        ["intéressant", "intéressante", "intéressants", "intéressantes"],
        Interest,
        false,
        "book story newspaper letter teacher",
    ),
    // After the noun "cher" means expensive; before it, dear.
    after(
        "expensive",
        ["cher", "chère", "chers", "chères"],
        Price,
        false,
        "car house book cake",
    ),
    before(
        "long",
        ["long", "longue", "longs", "longues"],
        None,
        Length,
        Always,
        false,
        "letter story book",
    ),
    before(
        "young",
        ["jeune", "jeune", "jeunes", "jeunes"],
        None,
        Age,
        Always,
        true,
        "man woman teacher dog cat horse",
    ),
    before(
        "new",
        ["nouveau", "nouvelle", "nouveaux", "nouvelles"],
        Some("nouvel"),
        Age,
        Never,
        false,
        "friend teacher car house school book newspaper story",
    ),
    before(
        "good",
        ["bon", "bonne", "bons", "bonnes"],
        None,
        Quality,
        OfThings,
        false,
        "bread cake apple orange book story friend teacher dog",
    ),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Slot {
    /// A direct object, pronoun or noun.
    Clitic,
    /// A direct object that is always a noun, since a pronoun would be "it".
    NounOnly,
    /// An object after "à", or the pronouns lui / leur.
    Indirect,
}

pub(super) struct Verb {
    /// Base, third person singular, simple past.
    pub(super) en: [&'static str; 3],
    /// Present: je, tu, il/elle, nous, ils.
    pub(super) fr: [&'static str; 5],
    /// Past participle: masculine singular, feminine singular, masculine plural.
    pub(super) participle: [&'static str; 3],
    /// Noun classes allowed as subject.
    pub(super) subjects: u16,
    /// Noun classes allowed as object.
    pub(super) objects: u16,
    pub(super) slot: Slot,
    /// Whether "a" + noun may be the object.
    pub(super) indefinite: bool,
    pub(super) past: PastUse,
}

/// Where the passé composé is a natural translation of the English simple past.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PastUse {
    Always,
    /// "I wanted" is the imperfect "je voulais".
    Never,
    /// "j'ai eu un chat" is "I had a cat", but "j'ai eu le livre" is "I got the book".
    IndefiniteObject,
    /// "je l'ai connue" is "I knew her", but "j'ai connu l'école" is not "I knew the school".
    PersonObject,
}

struct VerbForms {
    en: [&'static str; 3],
    fr: [&'static str; 5],
    participle: [&'static str; 3],
}

const fn verb(spec: VerbForms, subjects: u16, objects: u16, slot: Slot, indefinite: bool) -> Verb {
    Verb {
        en: spec.en,
        fr: spec.fr,
        participle: spec.participle,
        subjects,
        objects,
        slot,
        indefinite,
        past: PastUse::Always,
    }
}

const fn forms(en: [&'static str; 3], fr: [&'static str; 5], participle: [&'static str; 3]) -> VerbForms {
    VerbForms { en, fr, participle }
}

pub(super) const VERBS: &[Verb] = &[
    verb(
        forms(
            ["love", "loves", "loved"],
            ["aime", "aimes", "aime", "aimons", "aiment"],
            ["aimé", "aimée", "aimés"],
        ),
        ANIMATE,
        ANIMATE | FOOD | FLOWER | STORY,
        Slot::Clitic,
        false,
    ),
    verb(
        forms(
            ["watch", "watches", "watched"],
            ["regarde", "regardes", "regarde", "regardons", "regardent"],
            ["regardé", "regardée", "regardés"],
        ),
        ANIMATE,
        ANIMATE,
        Slot::Clitic,
        false,
    ),
    verb(
        forms(
            ["eat", "eats", "ate"],
            ["mange", "manges", "mange", "mangeons", "mangent"],
            ["mangé", "mangée", "mangés"],
        ),
        ANIMATE,
        FOOD,
        Slot::NounOnly,
        true,
    ),
    verb(
        forms(
            ["look for", "looks for", "looked for"],
            ["cherche", "cherches", "cherche", "cherchons", "cherchent"],
            ["cherché", "cherchée", "cherchés"],
        ),
        ANIMATE,
        CONCRETE,
        Slot::Clitic,
        true,
    ),
    verb(
        forms(
            ["find", "finds", "found"],
            ["trouve", "trouves", "trouve", "trouvons", "trouvent"],
            ["trouvé", "trouvée", "trouvés"],
        ),
        ANIMATE,
        CONCRETE,
        Slot::Clitic,
        true,
    ),
    verb(
        forms(
            ["listen to", "listens to", "listened to"],
            ["écoute", "écoutes", "écoute", "écoutons", "écoutent"],
            ["écouté", "écoutée", "écoutés"],
        ),
        HUMAN,
        ANIMATE | STORY,
        Slot::Clitic,
        false,
    ),
    verb(
        forms(
            ["help", "helps", "helped"],
            ["aide", "aides", "aide", "aidons", "aident"],
            ["aidé", "aidée", "aidés"],
        ),
        HUMAN,
        ANIMATE,
        Slot::Clitic,
        false,
    ),
    verb(
        forms(
            ["call", "calls", "called"],
            ["appelle", "appelles", "appelle", "appelons", "appellent"],
            ["appelé", "appelée", "appelés"],
        ),
        HUMAN,
        ANIMATE,
        Slot::Clitic,
        false,
    ),
    verb(
        forms(
            ["see", "sees", "saw"],
            ["vois", "vois", "voit", "voyons", "voient"],
            ["vu", "vue", "vus"],
        ),
        ANIMATE,
        CONCRETE,
        Slot::Clitic,
        true,
    ),
    verb(
        forms(
            ["take", "takes", "took"],
            ["prends", "prends", "prend", "prenons", "prennent"],
            ["pris", "prise", "pris"],
        ),
        HUMAN,
        FOOD | READING | VEHICLE | FLOWER,
        Slot::NounOnly,
        true,
    ),
    Verb {
        past: PastUse::PersonObject,
        ..verb(
            forms(
                ["know", "knows", "knew"],
                ["connais", "connais", "connaît", "connaissons", "connaissent"],
                ["connu", "connue", "connus"],
            ),
            ANIMATE,
            ANIMATE | BUILDING | STORY,
            Slot::Clitic,
            false,
        )
    },
    verb(
        forms(
            ["wait for", "waits for", "waited for"],
            ["attends", "attends", "attend", "attendons", "attendent"],
            ["attendu", "attendue", "attendus"],
        ),
        ANIMATE,
        ANIMATE | VEHICLE,
        Slot::Clitic,
        false,
    ),
    verb(
        forms(
            ["finish", "finishes", "finished"],
            ["finis", "finis", "finit", "finissons", "finissent"],
            ["fini", "finie", "finis"],
        ),
        HUMAN,
        FOOD | READING | STORY,
        Slot::NounOnly,
        false,
    ),
    verb(
        forms(
            ["read", "reads", "read"],
            ["lis", "lis", "lit", "lisons", "lisent"],
            ["lu", "lue", "lus"],
        ),
        HUMAN,
        READING | STORY,
        Slot::NounOnly,
        true,
    ),
    Verb {
        past: PastUse::Never,
        ..verb(
            forms(
                ["want", "wants", "wanted"],
                ["veux", "veux", "veut", "voulons", "veulent"],
                ["voulu", "voulue", "voulus"],
            ),
            HUMAN,
            ANIMAL | FOOD | READING | VEHICLE | FLOWER,
            Slot::NounOnly,
            true,
        )
    },
    Verb {
        past: PastUse::IndefiniteObject,
        ..verb(
            forms(["have", "has", "had"], AVOIR, ["eu", "eue", "eus"]),
            HUMAN,
            ANIMAL | FOOD | READING | VEHICLE | FLOWER,
            Slot::NounOnly,
            true,
        )
    },
    verb(
        forms(
            ["speak to", "speaks to", "spoke to"],
            ["parle", "parles", "parle", "parlons", "parlent"],
            ["parlé", "parlée", "parlés"],
        ),
        HUMAN,
        ANIMATE,
        Slot::Indirect,
        false,
    ),
];

pub(super) const AVOIR: [&str; 5] = ["ai", "as", "a", "avons", "ont"];
pub(super) const ETRE: [&str; 5] = ["suis", "es", "est", "sommes", "sont"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Person {
    FirstSingular,
    SecondSingular,
    ThirdSingular,
    FirstPlural,
    ThirdPlural,
}

impl Person {
    pub(super) fn index(self) -> usize {
        self as usize
    }
}

/// A personal pronoun in either role: `He` as an object is "him".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Pron {
    I,
    You,
    He,
    She,
    We,
    They,
}

pub(super) const PRONOUNS: [Pron; 6] = [Pron::I, Pron::You, Pron::He, Pron::She, Pron::We, Pron::They];

impl Pron {
    pub(super) fn person(self) -> Person {
        match self {
            Pron::I => Person::FirstSingular,
            Pron::You => Person::SecondSingular,
            Pron::He | Pron::She => Person::ThirdSingular,
            Pron::We => Person::FirstPlural,
            Pron::They => Person::ThirdPlural,
        }
    }

    pub(super) fn english_subject(self) -> &'static str {
        ["I", "you", "he", "she", "we", "they"][self as usize]
    }

    pub(super) fn english_object(self) -> &'static str {
        ["me", "you", "him", "her", "us", "them"][self as usize]
    }

    pub(super) fn french_subject(self) -> &'static str {
        ["je", "tu", "il", "elle", "nous", "ils"][self as usize]
    }

    pub(super) fn french_direct(self) -> &'static str {
        ["me", "te", "le", "la", "nous", "les"][self as usize]
    }

    pub(super) fn french_indirect(self) -> &'static str {
        ["me", "te", "lui", "lui", "nous", "leur"][self as usize]
    }

    // English does not show the gender of I, you, we, they; masculine is French's default.
    pub(super) fn agreement(self) -> (Gender, bool) {
        match self {
            Pron::She => (Gender::Feminine, false),
            Pron::We | Pron::They => (Gender::Masculine, true),
            Pron::I | Pron::You | Pron::He => (Gender::Masculine, false),
        }
    }

    pub(super) fn same_speaker(self, other: Pron) -> bool {
        let first = |p| matches!(p, Pron::I | Pron::We);
        (first(self) && first(other)) || (self == Pron::You && other == Pron::You)
    }
}
