"""A fixed list of real first names for the GPT workload, so the bench needs no download.

Lower-case ASCII letters only: the character-level model's vocabulary is the
26 letters plus one token that marks the start and the end of a name.
"""

_TEXT = """
emma olivia ava isabella sophia charlotte mia amelia harper evelyn abigail emily
elizabeth mila ella avery sofia camila aria scarlett victoria madison luna grace
chloe penelope layla riley zoey nora lily eleanor hannah lillian addison aubrey
ellie stella natalie zoe leah hazel violet aurora savannah audrey brooklyn bella
claire skylar lucy paisley everly anna caroline nova genesis emilia kennedy samantha
maya willow kinsley naomi aaliyah elena sarah ariana allison gabriella alice madelyn
cora ruby eva serenity autumn adeline hailey gianna valentina isla eliana quinn
nevaeh ivy sadie piper lydia alexa josephine emery julia delilah arianna vivian
kaylee sophie brielle madeline peyton rylee clara hadley melanie mackenzie reagan
adalynn liliana aubree jade katherine isabelle natalia raelynn maria athena ximena
arya leilani taylor faith rose kylie alexandra mary margaret lyla ashley amaya
eliza brianna bailey andrea khloe jasmine melody iris isabel norah annabelle
valeria emerson adalyn ryleigh eden emersyn anastasia kayla alyssa juliana charlie
esther ariel cecilia valerie alina molly reese aliyah lilly parker finley morgan
liam noah william james oliver benjamin elijah lucas mason logan alexander ethan
jacob michael daniel henry jackson sebastian aiden matthew samuel david joseph
carter owen wyatt john jack luke jayden dylan grayson levi isaac gabriel julian
mateo anthony jaxon lincoln joshua christopher andrew theodore caleb ryan asher
nathan thomas leo isaiah charles josiah hudson christian hunter connor eli ezra
aaron landon adrian jonathan nolan jeremiah easton elias colton cameron carson
robert angel maverick nicholas dominic jaxson greyson adam ian austin santiago
jordan cooper brayden roman evan ezekiel xavier jose jace jameson leonardo bryson
axel everett parker kayden miles sawyer jason declan weston micah ayden wesley
luca vincent damian zachary silas gavin chase kai emmett harrison nathaniel
kingston cole tyler bennett bentley ryker tristan brandon kevin luis george ashton
rowan braxton ryder gael ivan diego maxwell max carlos kaiden juan maddox justin
waylon calvin giovanni jonah abel jayce jesus amir king beau camden alex jasper
malachi brody jude blake emmanuel eric brooks elliot antonio abraham timothy finn
rhett elliott edward august xander alan dean lorenzo bryce karter victor milo
miguel hayden graham grant zion tucker jesse zayden joel richard patrick emiliano
avery nicolas brantley dawson myles matteo river steven thiago zane matias judah
messiah jeremy preston oscar kaleb alejandro marcus mark peter maximus barrett
jax andres holden legend charlie knox kaden paxton kyrie kyle griffin josue kenneth
beckett enzo adriel arthur felix bradley kash rafael
"""

NAMES = list(dict.fromkeys(_TEXT.split()))  # in order, each name once
