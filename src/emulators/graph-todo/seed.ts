/**
 * Sample To Do data for the Graph emulator: a default "Tasks" list, a few small lists, and a
 * "Projects" list with enough tasks (more than one page) that paging and search matter.
 */
export type SeedTaskStatus = 'notStarted' | 'inProgress' | 'completed' | 'waitingOnOthers' | 'deferred';

export interface SeedTask {
  title: string;
  status?: SeedTaskStatus;
  importance?: 'low' | 'normal' | 'high';
}

export interface SeedList {
  displayName: string;
  wellknownListName: 'none' | 'defaultList' | 'flaggedEmails';
  tasks: SeedTask[];
}

const PROJECT_AREAS = ['Website relaunch', 'Mobile app', 'Data platform', 'Office move', 'Customer portal'] as const;
const PROJECT_STEPS = [
  'Write the project brief',
  'Collect requirements from stakeholders',
  'Review the budget',
  'Draft the timeline',
  'Book the kickoff meeting',
  'Share the design mockups',
  'Sign off the test plan',
  'Send the status report',
] as const;

function projectTasks(): SeedTask[] {
  const tasks: SeedTask[] = [];
  let i = 0;
  for (const area of PROJECT_AREAS) {
    for (const step of PROJECT_STEPS) {
      // Roughly one in four done, a few important: filters have something to filter.
      const status: SeedTaskStatus = i % 4 === 1 ? 'completed' : i % 7 === 3 ? 'inProgress' : 'notStarted';
      tasks.push({ title: `${area}: ${step}`, status, importance: i % 9 === 0 ? 'high' : 'normal' });
      i++;
    }
  }
  return tasks;
}

export const SEED_LISTS: readonly SeedList[] = [
  {
    displayName: 'Tasks',
    wellknownListName: 'defaultList',
    tasks: [
      { title: 'Reply to Megan about the offsite agenda' },
      { title: 'Submit expense report for March', importance: 'high' },
      { title: 'Renew parking permit', status: 'completed' },
      { title: 'Prepare slides for Monday stand-up' },
      { title: 'Read the security awareness memo', status: 'completed' },
      { title: 'Call the IT help desk about the laptop dock', status: 'inProgress' },
    ],
  },
  {
    displayName: 'Work',
    wellknownListName: 'none',
    tasks: [
      { title: 'Quarterly report: final review', importance: 'high' },
      { title: 'Contract for Fabrikam: check clauses 4–7', status: 'inProgress' },
      { title: 'Onboarding checklist for Alex' },
      { title: 'Invoice #2024-118 (Contoso)', status: 'completed' },
      { title: 'Team photos for the newsletter' },
      { title: 'Budget spreadsheet v3', status: 'waitingOnOthers' },
      { title: 'Architecture diagram for the review board' },
    ],
  },
  {
    displayName: 'Home',
    wellknownListName: 'none',
    tasks: [
      { title: 'Book the car service' },
      { title: 'Scan the insurance papers' },
      { title: 'Buy a birthday present for Sam', status: 'completed' },
      { title: 'Plan the summer holiday', status: 'deferred' },
    ],
  },
  {
    displayName: 'Projects',
    wellknownListName: 'none',
    tasks: projectTasks(),
  },
];
