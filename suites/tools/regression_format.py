"""Format / instruction-compliance items: each asks for one output format,
checked by one regex scorer. Written for parity (Apache-2.0). The example
answer of every item (its "expected") is checked against its scorer by
gen_regression.py, and is what the sim engine answers when it is right."""

SCORERS = {
    "json_answer": r'^\s*\{\s*"answer"\s*:\s*("[^"\n]*"|-?[0-9]+(\.[0-9]+)?|true|false)\s*\}\s*$',
    "three_words": r"^\s*[A-Za-z'-]+,?\s+[A-Za-z'-]+,?\s+[A-Za-z'-]+[.!]?\s*$",
    "uppercase": r"^[^a-z]*[A-Z][^a-z]*$",
    "lowercase": r"^[^A-Z]*[a-z][^A-Z]*$",
    "numbered_list": r"^\s*1[.)] [^\n]+\n2[.)] [^\n]+\n3[.)] [^\n]+\s*$",
    "yes_or_no": r"^\s*(?i:yes|no)[.!]?\s*$",
    "ends_with_done": r"\bDONE[.!]?\s*$",
    "starts_with_certainly": r"^\s*Certainly\b",
    "no_commas": r"^\s*[^,\n]{10,}\s*$",
    "quoted": r'^\s*"[^"\n]+"\s*$',
    "iso_date": r"^\s*[0-9]{4}-[0-9]{2}-[0-9]{2}\s*$",
    "comma_list": r"^\s*[A-Za-z][A-Za-z ]*,\s*[A-Za-z][A-Za-z ]*,\s*[A-Za-z][A-Za-z ]*\s*$",
}

JSON = [("the capital of Italy", '{"answer": "Rome"}'),
        ("the number of days in a week", '{"answer": 7}'),
        ("whether water is wet (true or false)", '{"answer": true}'),
        ("the colour of a ripe banana", '{"answer": "yellow"}'),
        ("the number of wheels on a bicycle", '{"answer": 2}'),
        ("the largest ocean on Earth", '{"answer": "Pacific"}'),
        ("the result of 6 times 7", '{"answer": 42}'),
        ("the opposite of the word hot", '{"answer": "cold"}'),
        ("whether the Sun is a planet (true or false)", '{"answer": false}')]

THREE = [("a rainy Monday morning", "Grey, slow, damp."), ("the ocean", "Vast, deep, blue."),
         ("a busy kitchen", "Hot, loud, fast."), ("your favourite season", "Crisp golden autumn."),
         ("a city at night", "Bright, noisy, alive."), ("a library", "Quiet, calm, bookish."),
         ("a thunderstorm", "Loud, dark, electric."), ("a mountain village", "Cold, remote, peaceful."),
         ("a football match", "Tense, loud, exciting.")]

UPPER = [("What colour is the sky on a clear day?", "BLUE"),
         ("What is the capital of Spain?", "MADRID"),
         ("Name a fruit that is usually red.", "STRAWBERRY"),
         ("What do bees make?", "HONEY"),
         ("Which season comes after winter?", "SPRING"),
         ("What is frozen water called?", "ICE"),
         ("Which animal is known for saying moo?", "A COW"),
         ("What is the first month of the year?", "JANUARY"),
         ("Name a primary colour.", "RED")]

LOWER = [("What is the capital of France?", "paris"),
         ("Name an animal that lives in the sea.", "a dolphin"),
         ("What do you use to write on a blackboard?", "chalk"),
         ("Which planet do we live on?", "earth"),
         ("What is the opposite of day?", "night"),
         ("Name a vegetable that is orange.", "carrot"),
         ("What falls from clouds when it rains?", "water drops"),
         ("What is the name of the star at the centre of our solar system?", "the sun"),
         ("Name a musical instrument with strings.", "a guitar")]

LISTS = [("fruits", "1. Apple\n2. Pear\n3. Plum"), ("European capitals", "1. Paris\n2. Rome\n3. Oslo"),
         ("colours of the rainbow", "1. Red\n2. Green\n3. Blue"),
         ("farm animals", "1. Cow\n2. Sheep\n3. Pig"), ("programming languages", "1. C\n2. Python\n3. Java"),
         ("musical instruments", "1. Piano\n2. Violin\n3. Drums"),
         ("planets", "1. Mars\n2. Venus\n3. Earth"), ("vegetables", "1. Carrot\n2. Leek\n3. Pea"),
         ("sports", "1. Tennis\n2. Rugby\n3. Golf")]

YESNO = ["Is the Earth round?", "Is ice colder than boiling water?", "Do fish live in water?",
         "Is Paris in France?", "Is a triangle a shape with four sides?",
         "Can penguins fly?", "Is seven an even number?", "Is the Moon larger than the Earth?",
         "Does a week have seven days?"]
YESNO_ANSWERS = ["Yes", "Yes", "Yes", "Yes", "No", "No", "No", "No", "Yes"]

DONE = [("Name one planet.", "Mars. DONE"), ("Say hello in French.", "Bonjour. DONE"),
        ("Give a synonym of happy.", "Glad. DONE"), ("What is 2 plus 2?", "4 DONE"),
        ("Name a colour.", "Green. DONE"), ("Name a month with 31 days.", "March. DONE"),
        ("Write one word that rhymes with cat.", "Hat. DONE"),
        ("Name an ocean.", "Atlantic. DONE"), ("Name a fruit.", "Mango. DONE")]

CERTAINLY = [("Tell me the capital of Japan.", "Certainly. The capital of Japan is Tokyo."),
             ("What is 3 plus 4?", "Certainly: 7."),
             ("Name a large mammal.", "Certainly. An elephant."),
             ("Give me a word that means fast.", "Certainly, quick."),
             ("What colour are most leaves in summer?", "Certainly. Green."),
             ("How many legs does a cat have?", "Certainly. Four."),
             ("Name a country in South America.", "Certainly. Peru."),
             ("What do cows drink?", "Certainly. Water."),
             ("Name a tool for cutting paper.", "Certainly. Scissors.")]

NOCOMMA = [("the sea", "The sea is calm and blue this morning."),
           ("your breakfast", "I had toast with butter and jam today."),
           ("a cat", "The cat slept on the warm windowsill all day."),
           ("winter", "Winter brings short days and long cold nights."),
           ("a train journey", "The train rolled slowly through green hills."),
           ("a garden", "The garden is full of roses and tall grass."),
           ("a library", "The library was quiet except for turning pages."),
           ("the Moon", "The Moon rose slowly over the dark hills."),
           ("music", "Music can change the mood of a whole room.")]

QUOTED = [("the weather", '"It is sunny and warm today."'), ("dogs", '"Dogs are loyal friends."'),
          ("coffee", '"Coffee wakes me up."'), ("the city", '"The city never sleeps."'),
          ("books", '"Books open new worlds."'), ("rain", '"Rain makes the garden grow."'),
          ("summer", '"Summer days are long."'), ("the sea", '"The sea is calm tonight."'),
          ("mountains", '"Mountains are tall and quiet."')]

DATES = [("the fourth of July 2024", "2024-07-04"), ("the first of January 2025", "2025-01-01"),
         ("the twenty-fifth of December 2023", "2023-12-25"), ("the ninth of March 2021", "2021-03-09"),
         ("the thirtieth of November 2022", "2022-11-30"), ("the fifteenth of August 1947", "1947-08-15"),
         ("the second of February 2020", "2020-02-02"), ("the twelfth of October 1492", "1492-10-12"),
         ("the twentieth of July 1969", "1969-07-20")]

COMMA = [("colours", "red, green, blue"), ("animals", "cat, dog, horse"),
         ("countries", "France, Spain, Italy"), ("fruits", "apple, banana, cherry"),
         ("cities", "London, Paris, Tokyo"), ("metals", "iron, copper, gold"),
         ("rivers", "Nile, Amazon, Danube"), ("flowers", "rose, tulip, daisy"),
         ("birds", "robin, eagle, swan")]


def items():
    """(scorer, prompt, example answer) for every item."""
    out = []
    for what, ex in JSON:
        out.append(("json_answer", "Reply with only a JSON object that has a single key named "
                    "\"answer\" whose value is %s. No code fences and no other text." % what, ex))
    for what, ex in THREE:
        out.append(("three_words", "Describe %s in exactly three words." % what, ex))
    for q, ex in UPPER:
        out.append(("uppercase", "Answer using capital letters only, with no lower-case "
                    "letters at all. %s" % q, ex))
    for q, ex in LOWER:
        out.append(("lowercase", "Answer using lower-case letters only, with no capital "
                    "letters at all. %s" % q, ex))
    for what, ex in LISTS:
        out.append(("numbered_list", "List three %s as a numbered list (1., 2., 3.), one item "
                    "per line, with no other text." % what, ex))
    for q, ex in zip(YESNO, YESNO_ANSWERS):
        out.append(("yes_or_no", "Answer with only the word Yes or No. %s" % q, ex))
    for q, ex in DONE:
        out.append(("ends_with_done", "%s End your reply with the word DONE in capital "
                    "letters." % q, ex))
    for q, ex in CERTAINLY:
        out.append(("starts_with_certainly", "Begin your reply with the word Certainly. %s" % q,
                    ex))
    for what, ex in NOCOMMA:
        out.append(("no_commas", "Write one sentence about %s without using any commas." % what,
                    ex))
    for what, ex in QUOTED:
        out.append(("quoted", "Write one short sentence about %s, wrapped in double quotation "
                    "marks, and nothing else." % what, ex))
    for what, ex in DATES:
        out.append(("iso_date", "Write the date %s in the format YYYY-MM-DD and nothing else."
                    % what, ex))
    for what, ex in COMMA:
        out.append(("comma_list", "Name three %s on a single line, separated by commas, with "
                    "no other text." % what, ex))
    return out
