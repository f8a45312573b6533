import pytest

from agents.wording import progressive


@pytest.mark.parametrize(
    ("plan", "doing"),
    [
        ("open the cafe and bake pastries", "opening the cafe and baking pastries"),
        ("make coffee and serve customers", "making coffee and serving customers"),
        ("study with a coffee", "studying with a coffee"),
        ("sit on the bench", "sitting on the bench"),
        ("plan the party", "planning the party"),
        ("wake up, wash and have tea", "waking up, washing and having tea"),
        ("buy bread, milk and eggs", "buying bread, milk and eggs"),
        ("shop for bread and milk", "shopping for bread and milk"),
        ("cook dinner, and then eat with Tom", "cooking dinner, and then eating with Tom"),
        ("breakfast with Tom", "having breakfast with Tom"),
        ("office hours", "holding office hours"),
        ("read a mystery novel", "reading a mystery novel"),
        ("water the garden", "watering the garden"),
        ("visit Anna", "visiting Anna"),
        ("see a friend", "seeing a friend"),
        ("lie down", "lying down"),
        ("baking bread", "baking bread"),
        ("jog and breakfast", "jogging and having breakfast"),
        ("", ""),
        # First-person actions (small models write them) read in the third person: "Mei Lin is talking about ..."
        ("I talk about the garden and the election", "talking about the garden and the election"),
        ("I'm baking my bread", "baking their bread"),
        ("I will open the cafe", "opening the cafe"),
        ("we are walking to the park", "walking to the park"),
        ("walk to the park and then read", "walking to the park and then reading"),
        # The third person with the name left out (the 1.5B writes steps so): never "bakesing".
        ("bakes pastries and opens the cafe", "baking pastries and opening the cafe"),
        ("goes to the park, has lunch and then studies", "going to the park, having lunch and then studying"),
        ("finishes the dishes and closes up", "finishing the dishes and closing up"),
        ("Checks the oven", "checking the oven"),
        ("is baking bread", "baking bread"),
        ("buys bread, eggs and milk", "buying bread, eggs and milk"),
        ("buy milk and biscuits for the kids", "buying milk and biscuits for the kids"),
        ("discuss the news", "discussing the news"),
    ],
)
def test_plan_items_become_what_someone_is_doing(plan, doing):
    assert progressive(plan) == doing


@pytest.mark.parametrize(
    ("step", "doing"),
    [
        # Stronger models write steps in the third person under the actor's name; the memory reads "David Lin is
        # asking Mei ...", never "David Lin is daviding Lin asks Mei ...".
        ("David Lin asks Mei Lin if she is awake", "asking Mei Lin if she is awake"),
        ("David Lin enters the kitchen", "entering the kitchen"),
        ("David studies for the exam", "studying for the exam"),
        ("David Lin finishes baking and goes home", "finishing baking and going home"),
        ("David is baking bread", "baking bread"),
        ("David Lin enters the cafe and has a coffee", "entering the cafe and having a coffee"),
        ("David Lin's plan for today is to teach history at the college", "teaching history at the college"),
        ("David's aim is to mark the essays", "marking the essays"),
        ("David's plan for the day is to focus on the lecture", "focusing on the lecture"),
        ("David Lin's dog is barking", "David Lin's dog is barking"),  # not the actor: left as it is
        ("Mei Lin asks David about school", "Mei Lin asks David about school"),  # someone else's name: left
    ],
)
def test_a_step_under_the_actors_own_name_reads_as_what_they_are_doing(step, doing):
    assert progressive(step, "David Lin") == doing
