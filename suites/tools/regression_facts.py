"""Factual-recall items: (domain, question, answer). Written for parity
(Apache-2.0). Only facts that are settled and answered by one word without
spelling variants: no contested records (longest river), no capitals that
moved recently or are spelt several ways, no accented answers."""

CAPITALS = [
    ("France", "Paris"), ("Japan", "Tokyo"), ("Italy", "Rome"), ("Spain", "Madrid"),
    ("Germany", "Berlin"), ("Canada", "Ottawa"), ("Australia", "Canberra"),
    ("Egypt", "Cairo"), ("Kenya", "Nairobi"), ("Russia", "Moscow"), ("China", "Beijing"),
    ("Norway", "Oslo"), ("Sweden", "Stockholm"), ("Finland", "Helsinki"),
    ("Denmark", "Copenhagen"), ("Poland", "Warsaw"), ("Portugal", "Lisbon"),
    ("Greece", "Athens"), ("Ireland", "Dublin"), ("Austria", "Vienna"),
    ("Hungary", "Budapest"), ("the Czech Republic", "Prague"), ("Turkey", "Ankara"),
    ("Thailand", "Bangkok"), ("South Korea", "Seoul"), ("Peru", "Lima"), ("Cuba", "Havana"),
    ("Iran", "Tehran"), ("Iraq", "Baghdad"), ("Nigeria", "Abuja"), ("Ghana", "Accra"),
    ("New Zealand", "Wellington"), ("the Philippines", "Manila"), ("Vietnam", "Hanoi"),
    ("Saudi Arabia", "Riyadh"), ("Afghanistan", "Kabul"), ("Belgium", "Brussels"),
    ("Romania", "Bucharest"), ("Bulgaria", "Sofia"), ("Croatia", "Zagreb"),
]

SYMBOLS = [
    ("gold", "Au"), ("silver", "Ag"), ("iron", "Fe"), ("sodium", "Na"), ("potassium", "K"),
    ("lead", "Pb"), ("copper", "Cu"), ("tin", "Sn"), ("mercury", "Hg"), ("oxygen", "O"),
    ("hydrogen", "H"), ("carbon", "C"), ("nitrogen", "N"), ("helium", "He"),
    ("calcium", "Ca"), ("zinc", "Zn"), ("chlorine", "Cl"), ("magnesium", "Mg"),
    ("neon", "Ne"), ("sulfur", "S"),
]

NUMBERS = [
    ("How many planets are in the Solar System?", "8"),
    ("At how many degrees Celsius does pure water boil at sea level?", "100"),
    ("At how many degrees Celsius does pure water freeze at sea level?", "0"),
    ("How many legs does a spider have?", "8"),
    ("How many legs does an insect have?", "6"),
    ("How many chromosomes are in a typical human body cell?", "46"),
    ("How many sides does a hexagon have?", "6"),
    ("How many degrees are in a right angle?", "90"),
    ("How many degrees do the angles of a triangle add up to?", "180"),
    ("How many days are in a leap year?", "366"),
    ("How many continents are there by the usual count taught in English-speaking schools?", "7"),
    ("How many chambers does the human heart have?", "4"),
    ("What is the atomic number of carbon?", "6"),
    ("What is the atomic number of hydrogen?", "1"),
    ("What is the atomic number of oxygen?", "8"),
    ("How many centimetres are in a metre?", "100"),
    ("What is the smallest prime number?", "2"),
    ("How many minutes are in an hour?", "60"),
    ("How many sides does an octagon have?", "8"),
    ("How many players does a football (soccer) team have on the field at once?", "11"),
]

SCIENCE = [
    ("What is the largest planet in the Solar System?", "Jupiter"),
    ("Which planet is closest to the Sun?", "Mercury"),
    ("Which planet is known as the Red Planet?", "Mars"),
    ("What is the largest organ of the human body?", "skin"),
    ("What is the hardest natural material?", "diamond"),
    ("Which gas makes up most of the Earth's atmosphere?", "nitrogen"),
    ("What is the chemical formula of water?", "H2O"),
    ("Which blood cells carry oxygen: red or white?", "red"),
    ("What force keeps the planets in orbit around the Sun?", "gravity"),
    ("What is the chemical formula of table salt?", "NaCl"),
]

PEOPLE = [
    ("Who wrote the play Hamlet? Give the surname only.", "Shakespeare"),
    ("Who wrote the novel Pride and Prejudice? Give the surname only.", "Austen"),
    ("Who wrote the novel Nineteen Eighty-Four? Give the pen name's surname only.", "Orwell"),
    ("Who wrote the novel War and Peace? Give the surname only.", "Tolstoy"),
    ("Who wrote the novel Moby-Dick? Give the surname only.", "Melville"),
    ("Who wrote the novel Great Expectations? Give the surname only.", "Dickens"),
    ("Who wrote On the Origin of Species? Give the surname only.", "Darwin"),
    ("Who wrote the novel Les Miserables? Give the surname only.", "Hugo"),
    ("Who wrote the novel The Old Man and the Sea? Give the surname only.", "Hemingway"),
    ("Who wrote the poem The Raven? Give the surname only.", "Poe"),
    ("Who was the first person to walk on the Moon? Give the surname only.", "Armstrong"),
    ("Who was the first President of the United States? Give the surname only.", "Washington"),
    ("Who developed the theory of general relativity? Give the surname only.", "Einstein"),
    ("Who discovered penicillin in 1928? Give the surname only.", "Fleming"),
    ("Who formulated the three laws of motion published in 1687? Give the surname only.",
     "Newton"),
    ("Who composed the Ninth Symphony that ends with the Ode to Joy? Give the surname only.",
     "Beethoven"),
    ("Who proposed the heliocentric model of the Solar System in 1543? Give the surname only.",
     "Copernicus"),
]

DATES = [
    ("In which year did the Second World War end?", "1945"),
    ("In which year did humans first land on the Moon?", "1969"),
    ("In which year did the Berlin Wall fall?", "1989"),
    ("In which year did Columbus first reach the Americas?", "1492"),
    ("In which year was the United States Declaration of Independence signed?", "1776"),
    ("In which year did the French Revolution begin with the storming of the Bastille?",
     "1789"),
    ("In which year did the First World War begin?", "1914"),
    ("In which year did the Titanic sink?", "1912"),
]


def items():
    """(domain, prompt, answer) for every fact."""
    out = []
    for country, city in CAPITALS:
        out.append(("geography", "What is the capital of %s? Answer with one word." % country,
                    city))
    for element, symbol in SYMBOLS:
        out.append(("chemistry", "What is the chemical symbol of %s? Answer with the symbol "
                    "only." % element, symbol))
    for q, a in NUMBERS:
        out.append(("numbers", q + " Answer with the number only, in digits.", a))
    for q, a in SCIENCE:
        out.append(("science", q + " Answer with one word.", a))
    for q, a in PEOPLE:
        out.append(("people", q + " Answer with one word.", a))
    for q, a in DATES:
        out.append(("history", q + " Answer with the year only.", a))
    return out
