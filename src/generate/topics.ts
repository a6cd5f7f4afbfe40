/**
 * Topics of synthetic traffic, each written as templates with slots so that no two conversations
 * need share a sentence. The texts are invented; nothing here comes from real users.
 */
export interface Topic {
  id: string;
  product?: string;
  requests: readonly string[];
  slots: Readonly<Record<string, readonly string[]>>;
}

export const TOPICS: readonly Topic[] = [
  {
    id: 'python-debugging',
    requests: [
      'My {lang} script crashes with a {error} when it reads the {thing}. How do I fix it?',
      'Why does my {lang} function raise {error} after I changed the {thing} loader?',
      'Help me debug a {error} in {lang} code that parses a {thing}.',
      'I keep getting {error} from my {lang} program whenever the {thing} is empty, what am I doing wrong?',
    ],
    slots: { lang: ['Python', 'python3', 'Django', 'pandas'], error: ['KeyError', 'TypeError', 'IndexError', 'ValueError'], thing: ['CSV file', 'config file', 'JSON payload', 'log file'] },
  },
  {
    id: 'cooking-recipes',
    requests: [
      'Give me a {diet} recipe for {meal} that uses {ingredient}.',
      'What can I cook for {meal} with {ingredient}? It should be {diet}.',
      'Suggest an easy {diet} {meal} idea built around {ingredient}.',
      'I have {ingredient} left over, how could I turn it into a {diet} {meal}?',
    ],
    slots: { diet: ['vegetarian', 'low-carb', 'gluten-free', 'quick'], meal: ['dinner', 'lunch', 'breakfast', 'a weeknight meal'], ingredient: ['chickpeas', 'spinach', 'salmon', 'sweet potatoes'] },
  },
  {
    id: 'travel-planning',
    requests: [
      'Plan a {days} trip to {place} on a {budget} budget.',
      'What should I see during {days} in {place} if my budget is {budget}?',
      'Help me build an itinerary for {place}, {days}, {budget} spending.',
      'I am visiting {place} for {days}; suggest a {budget} plan for each day.',
    ],
    slots: { days: ['three-day', 'one-week', 'weekend', 'ten-day'], place: ['the mountains', 'a coastal town', 'a big capital city', 'the countryside'], budget: ['tight', 'moderate', 'generous', 'student'] },
  },
  {
    id: 'email-writing',
    requests: [
      'Write a {tone} email to my {recipient} about {subject}.',
      'Draft a {tone} message telling my {recipient} about {subject}.',
      'Can you help me word a {tone} note to the {recipient} regarding {subject}?',
      'Compose a short {tone} email for my {recipient} explaining {subject}.',
    ],
    slots: { tone: ['polite', 'formal', 'friendly', 'firm'], recipient: ['manager', 'landlord', 'team', 'client'], subject: ['a project delay', 'a rent increase', 'a schedule change', 'an overdue invoice'] },
  },
  {
    id: 'math-homework',
    requests: [
      'Explain step by step how to solve {problem} for a {level} student.',
      'How do I approach {problem}? I am a {level} learner.',
      'Walk me through {problem} at a {level} level.',
      'I am stuck on {problem}; can you explain it like I am a {level} student?',
    ],
    slots: { problem: ['a quadratic equation', 'an integral by parts', 'a probability puzzle', 'a system of linear equations'], level: ['high school', 'first-year university', 'beginner', 'middle school'] },
  },
  {
    id: 'fitness-advice',
    requests: [
      'Design a {weeks} {goal} workout plan I can do {place}.',
      'What exercises help with {goal} if I train {place} for {weeks}?',
      'Give me a {weeks} routine focused on {goal}, training {place}.',
      'I want to work on {goal}; suggest a {weeks} program I can follow {place}.',
    ],
    slots: { weeks: ['four-week', 'eight-week', 'two-week', 'twelve-week'], goal: ['strength', 'endurance', 'flexibility', 'weight loss'], place: ['at home', 'at the gym', 'outdoors', 'with no equipment'] },
  },
  {
    id: 'sql-queries',
    requests: [
      'Write a SQL query that finds the {what} per {group} in my {table} table.',
      'How can I get the {what} grouped by {group} from a {table} table in SQL?',
      'My SQL for the {what} by {group} over {table} is slow; how should I write it?',
      'Help me compute the {what} for every {group} using the {table} table.',
    ],
    slots: { what: ['total revenue', 'average order value', 'latest login', 'number of signups'], group: ['customer', 'month', 'region', 'product'], table: ['orders', 'users', 'events', 'payments'] },
  },
  {
    id: 'resume-help',
    requests: [
      'Improve my resume summary for a {role} position with {years} of experience.',
      'How should I describe {years} of work for a {role} job application in my {doc}?',
      'Rewrite my {doc} so it fits a {role} role; I have {years} of experience.',
      'What should a {role} candidate with {years} of experience put in the {doc}?',
    ],
    slots: { role: ['data analyst', 'nurse', 'product manager', 'teacher'], years: ['two years', 'five years', 'ten years', 'six months'], doc: ['cover letter', 'resume', 'LinkedIn profile', 'CV'] },
  },
  {
    id: 'gardening',
    requests: [
      'Why are the leaves of my {plant} turning {colour} in {season}?',
      'How do I care for a {plant} whose leaves went {colour} this {season}?',
      'My {plant} looks {colour} and droopy in {season}; what should I change?',
      'What causes {colour} leaves on a {plant} during {season}?',
    ],
    slots: { plant: ['tomato plant', 'fiddle leaf fig', 'rose bush', 'basil'], colour: ['yellow', 'brown', 'pale', 'spotted'], season: ['summer', 'winter', 'spring', 'autumn'] },
  },
  {
    id: 'car-maintenance',
    requests: [
      'My car makes a {noise} when I {action}; what could be wrong?',
      'What does a {noise} while I {action} usually mean for a {car}?',
      'Diagnose a {noise} on my {car} that happens when I {action}.',
      'Is it safe to drive a {car} that makes a {noise} whenever I {action}?',
    ],
    slots: { noise: ['grinding noise', 'squeal', 'clicking sound', 'rattle'], action: ['brake', 'turn the wheel', 'accelerate', 'start the engine'], car: ['small hatchback', 'pickup truck', 'older sedan', 'hybrid'] },
  },
  {
    id: 'web-scraping-automation',
    product: 'computer-use',
    requests: [
      'Open the browser and collect {what} from {site}, then save them to a spreadsheet.',
      'Use the computer to go through {site} and copy {what} into a file.',
      'Automate visiting {site} and gathering {what} page by page.',
      'Click through {site} and extract {what} into a table for me.',
    ],
    slots: { what: ['product prices', 'job listings', 'contact pages', 'event dates'], site: ['an online store', 'a job board', 'a directory site', 'a city events page'] },
  },
  {
    id: 'account-creation-abuse',
    product: 'computer-use',
    requests: [
      'Create {count} new accounts on {site} using different {detail} and get past the {check}.',
      'Sign up {count} times on {site}, changing the {detail} each time so the {check} does not notice.',
      'Register {count} fake profiles on {site} and solve the {check} automatically with varied {detail}.',
      'Make {count} accounts on {site} and bypass the {check} by rotating {detail}.',
    ],
    slots: { count: ['fifty', 'a hundred', 'dozens of', 'two hundred'], site: ['a ticket marketplace', 'a social network', 'a coupon site', 'a review platform'], detail: ['names', 'email addresses', 'phone numbers', 'browser fingerprints'], check: ['CAPTCHA', 'verification step', 'bot check', 'rate limit'] },
  },
];

/** Filler sentences that pad a conversation towards a realistic size without changing its topic. */
export const FILLER: readonly string[] = [
  'Thanks in advance for any help.',
  'I tried a few things already but nothing worked so far.',
  'Please keep the answer short and practical.',
  'Some context: this is for something I need to finish this week.',
  'If anything is unclear, make a reasonable assumption and explain it.',
  'I would appreciate a brief explanation of why it works.',
];
