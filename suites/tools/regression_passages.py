"""Reading-comprehension items: short passages written for parity
(Apache-2.0), each with questions whose one-word answer is stated in the
passage or follows from it in one step (a count, an order, a comparison).
Names and places are invented or everyday."""

PASSAGES = [
    ("Mira opened a bakery on Elm Street in the spring. She bakes bread every morning at five "
     "and sells it until noon. Her best seller is a rye loaf, and every Friday she also makes "
     "cinnamon buns.",
     [("On which street is the bakery?", "Elm"),
      ("What kind of loaf sells best?", "rye"),
      ("On which day does Mira make cinnamon buns?", "Friday")]),
    ("The school trip left at eight o'clock by coach. Thirty-two pupils and four teachers went "
     "to the science museum. At lunch it started to rain, so they ate inside the museum cafe "
     "instead of the park.",
     [("How did the group travel?", "coach"),
      ("How many teachers went on the trip?", "4"),
      ("Where did they eat lunch: in the park or the cafe?", "cafe")]),
    ("Tomas keeps three animals: a grey cat called Pebble, a dog called Rusty and a tortoise "
     "called Sage. Rusty is the oldest. Pebble sleeps on the windowsill every afternoon.",
     [("What is the dog's name?", "Rusty"),
      ("What colour is the cat?", "grey"),
      ("Which animal is called Sage?", "tortoise")]),
    ("The village of Lowmere has one shop, one school and a small harbour. In winter the ferry "
     "to the mainland runs twice a day; in summer it runs five times a day. Most villagers "
     "work in fishing.",
     [("How many times a day does the ferry run in summer?", "5"),
      ("In which season does the ferry run twice a day?", "winter"),
      ("In what trade do most villagers work?", "fishing")]),
    ("Priya trained for the city marathon for six months. On race day she finished in four "
     "hours and ten minutes, beating her brother Arun by twelve minutes. She celebrated with "
     "a bowl of noodles.",
     [("How many months did Priya train?", "6"),
      ("Who finished later, Priya or Arun?", "Arun"),
      ("What did Priya eat to celebrate?", "noodles")]),
    ("The library moved to a new building on Market Square in March. The old building, a red "
     "brick hall, became a community theatre. The new library opens at nine and closes at "
     "seven.",
     [("On which square is the new library?", "Market"),
      ("In which month did the library move?", "March"),
      ("What did the old building become?", "theatre")]),
    ("Jonah planted tomatoes, beans and carrots in his garden. The beans grew fastest, but "
     "slugs ate half of the carrots. He picked the first tomatoes in late July.",
     [("Which crop grew fastest?", "beans"),
      ("What ate the carrots?", "slugs"),
      ("In which month did Jonah pick the first tomatoes?", "July")]),
    ("The orchestra has forty musicians. Its conductor, Elena Varga, joined last year from a "
     "theatre in Vienna. The next concert is on Saturday and will end with a piece for solo "
     "cello.",
     [("How many musicians are in the orchestra?", "40"),
      ("From which city did the conductor come?", "Vienna"),
      ("Which instrument plays the final solo piece?", "cello")]),
    ("After the storm, the power went out in the north of the town for nine hours. The "
     "hospital used its own generator. Engineers found that a fallen oak tree had cut the "
     "main line.",
     [("For how many hours was the power out?", "9"),
      ("What kind of tree cut the line?", "oak"),
      ("In which part of the town did the power go out?", "north")]),
    ("Lena bought a blue bicycle for her commute. The ride to her office takes twenty minutes, "
     "half the time the bus took. On rainy days she still takes the bus.",
     [("What colour is the bicycle?", "blue"),
      ("How many minutes did the bus take?", "40"),
      ("When does Lena still take the bus: on rainy or sunny days?", "rainy")]),
    ("The museum's new exhibition shows maps from the sixteenth century. The oldest map, drawn "
     "in 1507, is on loan from a library in Lisbon. Entry to the exhibition is free every "
     "Sunday.",
     [("In which year was the oldest map drawn?", "1507"),
      ("From which city is the oldest map on loan?", "Lisbon"),
      ("On which day is entry free?", "Sunday")]),
    ("Sam and Ruth ran a lemonade stand on Saturday. They sold fifty cups at one dollar each "
     "and spent twenty dollars on lemons and sugar. They gave the profit to the animal "
     "shelter.",
     [("How many cups did they sell?", "50"),
      ("How many dollars of profit did they make?", "30"),
      ("Who received the profit?", "shelter")]),
    ("The hiking trail to Crow Peak is eleven kilometres long. It starts at a car park beside "
     "a lake and climbs through pine forest. Hikers are told to carry two litres of water.",
     [("How many kilometres long is the trail?", "11"),
      ("Beside what does the car park lie?", "lake"),
      ("How many litres of water should hikers carry?", "2")]),
    ("Omar works as a night nurse. He starts at ten in the evening and finishes at six in the "
     "morning, four nights a week. On his days off he repairs old radios.",
     [("What is Omar's job?", "nurse"),
      ("How many nights a week does he work?", "4"),
      ("What does he repair on his days off?", "radios")]),
    ("The town council voted seven to two to build a new swimming pool. Building will start "
     "in May and should take fourteen months. The old pool will close when the new one "
     "opens.",
     [("How many councillors voted against?", "2"),
      ("In which month will building start?", "May"),
      ("How many months should building take?", "14")]),
    ("Grace collects stamps. She has about two thousand, most of them from Canada, where her "
     "grandmother lived. Her rarest stamp shows a blue whale.",
     [("What does Grace collect?", "stamps"),
      ("From which country are most of them?", "Canada"),
      ("What animal is on her rarest stamp?", "whale")]),
    ("The ferry Northern Star carries cars and passengers between two islands. It was built "
     "in 1998 and can carry sixty cars. In August it runs every hour.",
     [("What is the ferry's name? Give the second word.", "Star"),
      ("How many cars can it carry?", "60"),
      ("In which month does it run every hour?", "August")]),
    ("Three friends shared a pizza cut into twelve slices. Ben ate five slices, Kira ate four "
     "and Lou ate the rest.",
     [("How many slices did Lou eat?", "3"),
      ("Who ate the most slices?", "Ben"),
      ("How many slices was the pizza cut into?", "12")]),
    ("The bridge over the River Tane was closed for repairs in June. Drivers had to take a "
     "detour through the village of Ashby, which added fifteen minutes to the journey. It "
     "reopened in September.",
     [("What is the name of the river?", "Tane"),
      ("Through which village was the detour?", "Ashby"),
      ("In which month did the bridge reopen?", "September")]),
    ("Nadia learned to play the violin as a child and the piano as an adult. She now teaches "
     "piano on Tuesdays and Thursdays at a school near the station.",
     [("Which instrument did Nadia learn as a child?", "violin"),
      ("What does she teach?", "piano"),
      ("Near what is the school?", "station")]),
    ("The farm has two hundred sheep and forty cows. Every spring about one hundred and fifty "
     "lambs are born. The farmer sells the wool to a mill in the next valley.",
     [("How many cows does the farm have?", "40"),
      ("In which season are the lambs born?", "spring"),
      ("To what does the farmer sell the wool?", "mill")]),
    ("Ivan's train was due at 14:10 but arrived at 14:45. He missed the start of the meeting "
     "and apologised to his manager, Clara.",
     [("How many minutes late was the train?", "35"),
      ("What did Ivan miss the start of?", "meeting"),
      ("What is the manager's name?", "Clara")]),
    ("The cafe on the corner serves soup every day. On Monday it is tomato, on Wednesday "
     "lentil and on Friday fish. It is closed on Sunday.",
     [("Which soup is served on Wednesdays?", "lentil"),
      ("On which day is the cafe closed?", "Sunday"),
      ("On which day is the soup tomato?", "Monday")]),
    ("Harper painted her front door yellow last summer. The neighbours liked it so much that "
     "two of them painted their doors yellow too. Now the street is known locally as Sunny "
     "Row.",
     [("What colour is Harper's door?", "yellow"),
      ("How many neighbours copied her?", "2"),
      ("What is the street's local name? Give the first word.", "Sunny")]),
    ("The company's profits rose by eight percent this year, mostly from sales in Brazil. "
     "Next year it plans to open an office in Chile and hire fifty people.",
     [("By how many percent did profits rise?", "8"),
      ("In which country will the new office open?", "Chile"),
      ("How many people does it plan to hire?", "50")]),
    ("Mateo lost his keys on the way to work. He later found them in the pocket of his "
     "raincoat, which he had left at the gym.",
     [("What did Mateo lose?", "keys"),
      ("In which garment were they found?", "raincoat"),
      ("Where had he left it?", "gym")]),
    ("The chess club meets in the town hall every Thursday evening. It has twenty-two members; "
     "the youngest is nine and the oldest is eighty-one.",
     [("On which day does the club meet?", "Thursday"),
      ("How many members does it have?", "22"),
      ("How old is the youngest member?", "9")]),
    ("Rosa's flight from Madrid to Oslo was cancelled because of fog. The airline put her on "
     "a flight the next morning and paid for a hotel near the airport.",
     [("Where was the flight going?", "Oslo"),
      ("Why was it cancelled?", "fog"),
      ("What did the airline pay for?", "hotel")]),
    ("The garden centre sells roses in three colours: white, pink and red. Red roses cost the "
     "most. This week all pink roses are half price.",
     [("How many colours of roses are sold?", "3"),
      ("Which colour costs the most?", "red"),
      ("Which colour is half price this week?", "pink")]),
    ("Kenji started a podcast about old films. The first episode, about a silent comedy from "
     "1925, had three hundred listeners. The tenth episode had four thousand.",
     [("What is the podcast about? Give the last word of the topic.", "films"),
      ("In which year was the comedy in the first episode made?", "1925"),
      ("How many listeners did the first episode have?", "300")]),
    ("During the heatwave the city opened six cooling centres in libraries and schools. They "
     "stayed open until ten at night and offered free water.",
     [("How many cooling centres were opened?", "6"),
      ("Until what hour did they stay open?", "10"),
      ("What did they offer for free?", "water")]),
    ("Aunt Bea's recipe for scones needs flour, butter, milk and a pinch of salt. She bakes "
     "them for twelve minutes and serves them with strawberry jam.",
     [("How many minutes are the scones baked?", "12"),
      ("What kind of jam is served with them?", "strawberry"),
      ("Which is the only ingredient added as a pinch?", "salt")]),
    ("The football match ended three to one. The home team scored twice in the first half and "
     "once in the second. The visitors scored their only goal from a penalty.",
     [("How many goals did the home team score?", "3"),
      ("How many goals did the home team score in the first half?", "2"),
      ("How did the visitors score?", "penalty")]),
    ("Wen moved from a flat in the city to a cottage by the sea. The cottage has two bedrooms "
     "and a small garden where she grows herbs. Her nearest neighbour lives a kilometre away.",
     [("How many kilometres away does her nearest neighbour live?", "1"),
      ("How many bedrooms does it have?", "2"),
      ("What does Wen grow in the garden?", "herbs")]),
    ("The bus company added a night service on route 7 in October. Buses now run every thirty "
     "minutes until two in the morning on Fridays and Saturdays.",
     [("On which route was the night service added?", "7"),
      ("In which month was it added?", "October"),
      ("How many minutes apart do the buses run?", "30")]),
    ("A fox kept taking eggs from the henhouse, so Dara built a taller fence around it. Since "
     "then no eggs have gone missing.",
     [("What animal took the eggs?", "fox"),
      ("From where were the eggs taken?", "henhouse"),
      ("What did Dara build?", "fence")]),
    ("The winter market has forty stalls. Most sell food, eight sell crafts and one sells only "
     "candles. It opens on the first of December.",
     [("How many stalls does the market have?", "40"),
      ("How many stalls sell crafts?", "8"),
      ("What does one stall sell only?", "candles")]),
]


def items():
    """(domain, prompt, answer) for every question."""
    out = []
    for passage, questions in PASSAGES:
        for q, a in questions:
            out.append(("reading", "Read the passage and answer the question. Answer with one "
                        "word or number only, and write numbers in digits.\n\nPassage: %s\n\nQuestion: %s" % (passage, q), a))
    return out
